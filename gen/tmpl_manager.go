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
// and the QuorumSpec its quorum functions come from, given in any order. An option that is
// neither is refused with an error that says why: for a QuorumSpec that is not one, the
// methods it lacks.
{{- else}}.
// The {{.GoName}} service has no quorum methods, so a QuorumSpec among the options is accepted
// and ignored, as Gorums v0.7 did.
{{- end}}
func (m *Manager) NewConfiguration(opts ...{{gorums "ConfigOption"}}) (*Configuration, error) {
	nodeList, {{if .HasQuorumSpec}}qspec{{else}}_{{end}}, err := {{gorums "ConfigOptions"}}[QuorumSpec]("{{.GoName}}", opts)
	if err != nil {
		return nil, err
	}
	raw, err := {{gorums "NewRawConfiguration"}}(m.RawManager, nodeList)
	if err != nil {
		return nil, err
	}
	return ConfigurationFromRaw(raw, {{if .HasQuorumSpec}}qspec{{else}}nil{{end}}), nil
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
