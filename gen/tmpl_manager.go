package gen

// managerTemplate declares Manager, which wraps the runtime's node pool so that its
// configurations and nodes have the service's generated methods.
const managerTemplate = `
{{define "manager"}}
// Manager holds the connections to the {{.GoName}} servers that its configurations name.
// Configurations of one Manager share its connections; Close closes them all.
type Manager struct {
	*{{gorums "RawManager"}}
}

// NewManager returns a Manager with the given options (dialing, logging, metadata, ...).
// It connects to no node until a configuration names one.
func NewManager(opts ...{{gorums "ManagerOption"}}) *Manager {
	return &Manager{RawManager: {{gorums "NewRawManager"}}(opts...)}
}

// NewConfiguration returns a configuration of the nodes named by exactly one node list
// option (gorums.WithNodeList, WithNodeMap, WithNodeIDs, or a configuration's set algebra)
{{- if .HasQuorumSpec}}
// and the QuorumSpec its quorum functions come from, given in any order.
{{- else}}.
{{- end}}
func (m *Manager) NewConfiguration(opts ...{{gorums "ConfigOption"}}) (*Configuration, error) {
	var nodeList {{gorums "NodeListOption"}}
	c := &Configuration{}
	for _, opt := range opts {
		switch v := opt.(type) {
		case {{gorums "NodeListOption"}}:
			if nodeList != nil {
				return nil, {{errorf}}("gorums: NewConfiguration: more than one node list option")
			}
			nodeList = v
{{- if .HasQuorumSpec}}
		case QuorumSpec:
			if c.qspec != nil {
				return nil, {{errorf}}("gorums: NewConfiguration: more than one QuorumSpec")
			}
			c.qspec = v
		default:
			return nil, {{errorf}}("gorums: NewConfiguration: unknown option type %T", opt)
{{- else}}
		default:
			return nil, {{errorf}}("gorums: NewConfiguration: unknown option type %T (the {{.GoName}} service has no quorum methods and takes no QuorumSpec)", opt)
{{- end}}
		}
	}
	if nodeList == nil {
		return nil, {{errorf}}("gorums: NewConfiguration: no node list option (use gorums.WithNodeList, WithNodeMap, WithNodeIDs or a configuration's set algebra)")
	}
{{- if .HasQuorumSpec}}
	if c.qspec == nil {
		return nil, {{errorf}}("gorums: NewConfiguration: missing QuorumSpec: the {{.GoName}} service has quorum methods")
	}
{{- end}}
	raw, err := {{gorums "NewRawConfiguration"}}(m.RawManager, nodeList)
	if err != nil {
		return nil, err
	}
	c.RawConfiguration = raw
	c.nodes = make([]*Node, 0, raw.Size())
	for _, n := range raw.Nodes() {
		c.nodes = append(c.nodes, &Node{RawNode: n})
	}
	return c, nil
}

// Nodes returns every node the manager holds, sorted by ID.
func (m *Manager) Nodes() []*Node {
	raw := m.RawManager.Nodes()
	nodes := make([]*Node, 0, len(raw))
	for _, n := range raw {
		nodes = append(nodes, &Node{RawNode: n})
	}
	return nodes
}
{{end}}
`
