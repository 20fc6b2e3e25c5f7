package gen

// clientTemplate declares one client method per rpc, on Node or Configuration by call type.
const clientTemplate = `
{{define "client"}}
{{- range .Methods}}
{{- if eq .Kind "rpc"}}{{template "rpc" .}}
{{- else if eq .Kind "unicast"}}{{template "unicast" .}}
{{- else if eq .Kind "multicast"}}{{template "multicast" .}}
{{- else}}{{template "quorum" .}}
{{- end}}
{{- end}}
{{end}}

{{define "rpc"}}
// {{.GoName}} is an ordered RPC: it sends the request to this node only, behind every request
// sent to the node before it, and returns the node's reply.{{leading .Comments.Leading ""}}
func (n *Node) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}) (*{{type .Output.GoIdent}}, error) {
	return {{gorums "RPCCall"}}[*{{type .Input.GoIdent}}, *{{type .Output.GoIdent}}](ctx, n.RawNode, "{{.FullName}}", in)
}
{{end}}

{{define "unicast"}}
// {{.GoName}} sends the request to this node without waiting for a reply. Requests to a node
// arrive in the order they were sent.{{leading .Comments.Leading ""}}
func (n *Node) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}, opts ...{{gorums "CallOption"}}) {
	{{gorums "Unicast"}}(ctx, n.RawNode, "{{.FullName}}", in, opts...)
}
{{end}}

{{define "perNodeDoc"}}
{{- if .PerNodeArg}}
// f returns the request for the node with the given ID, or nil to skip that node.
{{- end}}
{{- end}}

{{define "perNodeParam"}}{{if .PerNodeArg}}, f func(*{{type .Input.GoIdent}}, uint32) *{{type .Input.GoIdent}}{{end}}{{end}}

{{define "multicast"}}
// {{.GoName}} sends the request to every node of the configuration without waiting for
// replies.
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
func (c *Configuration) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}{{template "perNodeParam" .}}, opts ...{{gorums "CallOption"}}) {
{{- if .PerNodeArg}}
	{{gorums "MulticastPerNode"}}(ctx, c.RawConfiguration, "{{.FullName}}", in, f, opts...)
{{- else}}
	{{gorums "Multicast"}}(ctx, c.RawConfiguration, "{{.FullName}}", in, opts...)
{{- end}}
}
{{end}}

{{define "quorum"}}
{{- if eq .Kind "quorumcall"}}
// {{.GoName}} is a quorum call: it sends the request to every node of the configuration and
// returns the result of QuorumSpec.{{.QF}} once the replies form a quorum.
{{- else if eq .Kind "async"}}
// {{.GoName}} is an asynchronous quorum call: it sends the request to every node of the
// configuration and returns at once; the returned {{.Alias}} gives the result of
// QuorumSpec.{{.QF}} once the replies form a quorum.
{{- else if eq .Kind "correctable"}}
// {{.GoName}} is a correctable quorum call: it sends the request to every node of the
// configuration and returns at once; the returned {{.Alias}} holds the latest result of
// QuorumSpec.{{.QF}} and its level, which rises as replies arrive.
{{- else}}
// {{.GoName}} is a correctable stream quorum call: it sends the request to every node of the
// configuration and returns at once; each node may send many replies, and the returned
// {{.Alias}} holds the latest result of QuorumSpec.{{.QF}} and its level.
{{- end}}
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
func (c *Configuration) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}{{template "perNodeParam" .}}) {{template "quorumResult" .}} {
	return {{gorums .Engine}}(ctx, c.RawConfiguration, "{{.FullName}}", in{{if .PerNodeArg}}, f{{end}}, c.qspec.{{.QF}})
}
{{end}}

{{define "quorumResult"}}
{{- if eq .Kind "quorumcall"}}(*{{type .Out}}, error)
{{- else}}*{{.Alias}}
{{- end}}
{{- end}}
`
