package gen

// serverTemplate declares the server interface, named like the service, and the function
// that registers an implementation of it. Each call type's server shape (calltype.go) names
// the template of its method in the interface.
const serverTemplate = `
{{define "server"}}
// {{.GoName}} is the server side of the {{.GoName}} service: implement it and register the
// implementation on a gorums.Server with Register{{.GoName}}Server. A client's requests are
// handled one at a time, in the order they arrive, unless a handler calls ctx.Release().{{leading .Comments ""}}
type {{.GoName}} interface {
{{- range .Methods}}{{serverMethod .}}{{end}}
}

// Register{{.GoName}}Server registers impl as the handler of every method of the
// {{.GoName}} service on srv.
func Register{{.GoName}}Server(srv *{{gorums "Server"}}, impl {{.GoName}}) {
{{- range .Methods}}
	srv.RegisterHandler("{{.FullName}}", {{gorums .ServerHandler}}(impl.{{.GoName}}))
{{- end}}
}
{{end}}

{{define "serverOneWay"}}
	// {{.GoName}} handles the {{.GoName}} {{.CallType}}; the client expects no reply.{{leading .Comments.Leading "\t"}}
	{{.GoName}}(ctx {{gorums "ServerCtx"}}, request *{{type .Input.GoIdent}})
{{- end}}

{{define "serverStream"}}
	// {{.GoName}} handles the {{.GoName}} {{.CallType}}; each call of send sends one reply.{{leading .Comments.Leading "\t"}}
	{{.GoName}}(ctx {{gorums "ServerCtx"}}, request *{{type .Input.GoIdent}}, send func(response *{{type .Output.GoIdent}}) error) error
{{- end}}

{{define "serverUnary"}}
	// {{.GoName}} handles the {{.GoName}} {{.CallType}}.{{leading .Comments.Leading "\t"}}
	{{.GoName}}(ctx {{gorums "ServerCtx"}}, request *{{type .Input.GoIdent}}) (response *{{type .Output.GoIdent}}, err error)
{{- end}}
`
