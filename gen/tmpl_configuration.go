package gen

// configurationTemplate declares Configuration and Node. Their runtime parts are embedded;
// the methods here only give the set algebra and node lists the generated types.
const configurationTemplate = `
{{define "configuration"}}
// Configuration is an immutable set of {{.GoName}} servers that are called together, made by
// Manager.NewConfiguration. The embedded gorums.RawConfiguration provides NodeIDs, Size,
// WithNewNodes, WithoutNodes, WithoutErrors, Fastest and SortedByLatency.
type Configuration struct {
	{{gorums "RawConfiguration"}}
{{- if .HasQuorumSpec}}
	qf    quorumFuncs
{{- end}}
	nodes []*Node
}
{{- if .HasQuorumSpec}}

// quorumFuncs holds the configuration's quorum functions as method values, made once with the
// configuration instead of once per call; they are all nil if it has no QuorumSpec.
type quorumFuncs struct {
{{- range .QuorumMethods}}
	{{.QF}} func(*{{type .Input.GoIdent}}, map[uint32]*{{type .Output.GoIdent}}) (*{{type .Out}}, {{if .Correctable}}int, {{end}}bool)
{{- end}}
}
{{- end}}

// ConfigurationFromRaw returns the configuration of raw's nodes
{{- if .HasQuorumSpec}} whose quorum functions come
// from qspec. It gives the nodes of a configuration another QuorumSpec:
//
//	cfg2 := ConfigurationFromRaw(cfg1.RawConfiguration, qspec2)
//
// With a nil qspec, the configuration's quorum call, asynchronous and correctable methods
// fail with an error that matches gorums.ErrNoQuorumSpec.
{{- else}}. The {{.GoName}} service
// has no quorum methods, so qspec is ignored.
{{- end}}
func ConfigurationFromRaw(raw {{gorums "RawConfiguration"}}, qspec QuorumSpec) *Configuration {
	c := &Configuration{RawConfiguration: raw, nodes: make([]*Node, 0, raw.Size())}
{{- if .HasQuorumSpec}}
	if !{{gorums "NilQuorumSpec"}}(qspec) {
		c.qf = quorumFuncs{
{{- range .QuorumMethods}}
			{{.QF}}: qspec.{{.QF}},
{{- end}}
		}
	}
{{- end}}
	for _, n := range raw.Nodes() {
		c.nodes = append(c.nodes, &Node{RawNode: n})
	}
	return c
}

// Nodes returns the configuration's nodes, sorted by ID.
func (c *Configuration) Nodes() []*Node {
	return append([]*Node(nil), c.nodes...)
}

// And returns a node list option of the nodes in c or d, for Manager.NewConfiguration.
func (c *Configuration) And(d *Configuration) {{gorums "NodeListOption"}} {
	return c.RawConfiguration.And(d.RawConfiguration)
}

// Except returns a node list option of the nodes in c but not in rm, for
// Manager.NewConfiguration.
func (c *Configuration) Except(rm *Configuration) {{gorums "NodeListOption"}} {
	return c.RawConfiguration.Except(rm.RawConfiguration)
}

// Equal reports whether c and d have the same nodes.
func (c *Configuration) Equal(d *Configuration) bool {
	return c.RawConfiguration.Equal(d.RawConfiguration)
}

// Node is one {{.GoName}} server. The embedded gorums.RawNode provides ID, Address, Host,
// Port, LastErr, Latency and WaitConnected.
type Node struct {
	*{{gorums "RawNode"}}
}
{{end}}
`
