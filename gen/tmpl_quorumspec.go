package gen

// quorumSpecTemplate declares QuorumSpec and the handle types that asynchronous and
// correctable calls return.
const quorumSpecTemplate = `
{{define "quorumspec"}}
{{- if .HasQuorumSpec}}
// QuorumSpec holds the quorum functions of the {{.GoName}} service, one per quorum call and
// correctable method. A quorum function is called with the request and the replies received
// so far, keyed by node ID, and reports whether they form a quorum and, if so, the call's
// result. Pass a QuorumSpec to Manager.NewConfiguration among its options, and declare that
// your type implements it, so that the compiler names any method it lacks:
//
//	var _ {{.Package}}.QuorumSpec = (*QSpec)(nil)
type QuorumSpec interface {
{{- range .QuorumMethods}}
	// {{.QF}} is the quorum function for the {{.GoName}} {{.CallType}} method.
{{- if .Correctable}}
	// Its int result is the level of the result; higher levels are better.
{{- end}}{{leading .Comments.Leading "\t"}}
	{{.QF}}(in *{{type .Input.GoIdent}}, replies map[uint32]*{{type .Output.GoIdent}}) (*{{type .Out}}, {{if .Correctable}}int, {{end}}bool)
{{- end}}
}
{{- else}}
// QuorumSpec is empty: the {{.GoName}} service has no quorum call or correctable methods, so
// its configurations need no quorum functions.
type QuorumSpec interface{}
{{- end}}
{{range .Handles}}
// {{.Handle}} is what {{.CallType}}s with a *{{type .Out}} result return: the embedded
// gorums.{{.HandleType}}, under the field name {{.HandleType}} as in Gorums v0.7, gives its methods.
type {{.Handle}} struct {
	*{{gorums .HandleType}}[*{{type .Out}}]
}
{{end}}
{{end}}
`
