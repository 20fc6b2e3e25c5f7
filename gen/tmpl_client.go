package gen

// clientTemplate declares one client method per rpc, on Node or Configuration. Each call
// type's row in calltype.go names its template here; clientMethod executes it, and a row
// without a template is an error, not a default.
const clientTemplate = `
{{define "client"}}
{{- range .Methods}}{{clientMethod .}}{{end}}
{{end}}

{{define "rpc"}}
// {{.GoName}} is an ordered RPC: it sends the request to this node only, behind every request
// sent to the node before it, and returns the node's reply.{{leading .Comments.Leading ""}}
func (n *Node) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}) (*{{type .Output.GoIdent}}, error) {
	return {{gorums .Engine}}[*{{type .Input.GoIdent}}, *{{type .Output.GoIdent}}](ctx, n.RawNode, "{{.FullName}}", in)
}
{{end}}

{{define "unicast"}}
// {{.GoName}} sends the request to this node without waiting for a reply. Requests to a node
// arrive in the order they were sent.{{leading .Comments.Leading ""}}
func (n *Node) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}, opts ...{{gorums "CallOption"}}) {
	{{gorums .Engine}}(ctx, n.RawNode, "{{.FullName}}", in, opts...)
}
{{end}}

{{define "perNodeDoc"}}
{{- if .PerNodeArg}}
// f returns the request for the node with the given ID, or nil to skip that node.
{{- end}}
{{- end}}

{{define "perNodeParam"}}{{if .PerNodeArg}}, f func(*{{type .Input.GoIdent}}, uint32) *{{type .Input.GoIdent}}{{end}}{{end}}

{{define "perNodeArg"}}{{if .PerNodeArg}}, f{{end}}{{end}}

{{define "multicast"}}
// {{.GoName}} sends the request to every node of the configuration without waiting for
// replies.
{{- if .Desc.IsStreamingClient}}
// The .proto file declares a client-streaming input; as in Gorums v0.7, each call sends one
// message to each node.
{{- end}}
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
func (c *Configuration) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}{{template "perNodeParam" .}}, opts ...{{gorums "CallOption"}}) {
	{{gorums .Engine}}(ctx, c.RawConfiguration, "{{.FullName}}", in{{template "perNodeArg" .}}, opts...)
}
{{end}}

{{define "quorumcall"}}
// {{.GoName}} is a quorum call: it sends the request to every node of the configuration and
// returns the result of QuorumSpec.{{.QF}} once the replies form a quorum.
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
func (c *Configuration) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}{{template "perNodeParam" .}}) (*{{type .Out}}, error) {
	if c.qf.{{.QF}} == nil {
		return nil, {{gorums "NoQuorumSpec"}}("{{.FullName}}")
	}
	return {{gorums .Engine}}(ctx, c.RawConfiguration, "{{.FullName}}", in{{template "perNodeArg" .}}, c.qf.{{.QF}})
}
{{end}}

{{define "async"}}
// {{.GoName}} is an asynchronous quorum call: it sends the request to every node of the
// configuration and returns at once; the returned {{.Handle}} gives the result of
// QuorumSpec.{{.QF}} once the replies form a quorum.
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
{{- template "handleCall" .}}
{{end}}

{{define "correctable"}}
// {{.GoName}} is a correctable quorum call: it sends the request to every node of the
// configuration and returns at once; the returned {{.Handle}} holds the latest result of
// QuorumSpec.{{.QF}} and its level, which rises as replies arrive.
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
{{- template "handleCall" .}}
{{end}}

{{define "correctablestream"}}
// {{.GoName}} is a correctable stream quorum call: it sends the request to every node of the
// configuration and returns at once; each node may send many replies, and the returned
// {{.Handle}} holds the latest result of QuorumSpec.{{.QF}} and its level.
{{- template "perNodeDoc" .}}{{leading .Comments.Leading ""}}
{{- template "handleCall" .}}
{{end}}

{{define "handleCall"}}
func (c *Configuration) {{.GoName}}(ctx {{context}}, in *{{type .Input.GoIdent}}{{template "perNodeParam" .}}) *{{.Handle}} {
	if c.qf.{{.QF}} == nil {
		return &{{.Handle}}{ {{- gorums (print "Failed" .HandleType)}}[*{{type .Out}}]({{gorums "NoQuorumSpec"}}("{{.FullName}}"))}
	}
	return &{{.Handle}}{ {{- gorums .Engine}}(ctx, c.RawConfiguration, "{{.FullName}}", in{{template "perNodeArg" .}}, c.qf.{{.QF}})}
}
{{- end}}
`
