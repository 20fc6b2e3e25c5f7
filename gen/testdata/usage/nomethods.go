package nomethods

import "github.com/quorumcall/gorums"

type idle struct{}

func use() error {
	var _ QuorumSpec = nil
	cfg, err := NewManager().NewConfiguration(gorums.WithNodeList(nil))
	if err != nil {
		return err
	}
	_ = cfg.Nodes()
	RegisterIdleServer(gorums.NewServer(), idle{})
	return nil
}
