package gentest

import (
	"strings"
	"testing"

	"github.com/quorumcall/gorums"
)

// valueQSpec has its quorum functions on the pointer only, so a value of it is no QuorumSpec.
type valueQSpec struct{ qspec }

// partialQSpec lacks some quorum functions and has one with the wrong signature.
type partialQSpec struct{}

func (*partialQSpec) ReadQF(_ *Req, _ map[uint32]*Resp) (*Resp, bool)         { return nil, false }
func (*partialQSpec) ReadLevelsQF(_ *Req, _ map[uint32]*Resp) (*Resp, bool)   { return nil, false }
func (*partialQSpec) FollowQF(_ *Req, _ map[uint32]*Resp) (*Resp, int, bool)  { return nil, 0, false }
func (*partialQSpec) unrelated(_ *Req, _ map[uint32]*Resp) (*Resp, int, bool) { return nil, 0, false }
func (*partialQSpec) ReadAsyncQFTypo(_ *Req, _ map[uint32]*Resp) (*Resp, int, bool) {
	return nil, 0, false
}

// TestNewConfigurationRefusals shows NewConfiguration refuses wrong options with an error
// that says what is wrong, and starts no node for them.
func TestNewConfigurationRefusals(t *testing.T) {
	mgr := NewManager()
	t.Cleanup(func() { mgr.Close() })
	nodes := gorums.WithNodeList([]string{"127.0.0.1:1"})
	tests := []struct {
		name string
		opts []gorums.ConfigOption
		want string
	}{
		{"typed nil QuorumSpec", []gorums.ConfigOption{(*qspec)(nil), nodes},
			"gorums: NewConfiguration: option 1 is a nil *gentest.qspec: a QuorumSpec must be a value whose quorum functions can run"},
		{"value with pointer receivers", []gorums.ConfigOption{nodes, valueQSpec{}},
			"gorums: NewConfiguration: gentest.valueQSpec does not implement gentest.QuorumSpec: methods FollowQF, ReadAsyncQF, ReadLevelsQF, ReadQF have pointer receivers (pass a *gentest.valueQSpec)"},
		{"missing and wrong methods", []gorums.ConfigOption{nodes, &partialQSpec{}},
			"gorums: NewConfiguration: *gentest.partialQSpec does not implement gentest.QuorumSpec: missing ReadAsyncQF; " +
				"wrong type for method ReadLevelsQF: have func(*gentest.Req, map[uint32]*gentest.Resp) (*gentest.Resp, bool), " +
				"want func(*gentest.Req, map[uint32]*gentest.Resp) (*gentest.Resp, int, bool)"},
		{"no QuorumSpec methods at all", []gorums.ConfigOption{nodes, 42},
			"gorums: NewConfiguration: int is neither a node list option nor a gentest.QuorumSpec"},
		{"missing QuorumSpec", []gorums.ConfigOption{nodes},
			"gorums: NewConfiguration: missing QuorumSpec: the Compat service has quorum methods"},
		{"two QuorumSpecs", []gorums.ConfigOption{&qspec{}, nodes, &qspec{}},
			"gorums: NewConfiguration: more than one QuorumSpec"},
		{"two node lists", []gorums.ConfigOption{nodes, &qspec{}, nodes},
			"gorums: NewConfiguration: more than one node list option"},
		{"no node list", []gorums.ConfigOption{&qspec{}},
			"gorums: NewConfiguration: no node list option (use gorums.WithNodeList, WithNodeMap, WithNodeIDs or a configuration's set algebra)"},
		{"nil option", []gorums.ConfigOption{nodes, nil},
			"gorums: NewConfiguration: option 2 is nil"},
		{"manager option", []gorums.ConfigOption{nodes, &qspec{}, gorums.WithSendBufferSize(1)},
			"is a manager option: pass it to NewManager"},
		{"logger option", []gorums.ConfigOption{nodes, &qspec{}, gorums.WithLogger(nil)},
			"gorums: NewConfiguration: option 3 is a manager option: pass it to NewManager"},
		{"call option", []gorums.ConfigOption{gorums.WithNoSendWaiting(), nodes, &qspec{}},
			"is a call option: pass it to a unicast or multicast call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := mgr.NewConfiguration(tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewConfiguration: %v, %v; want the error %q", cfg, err, tt.want)
			}
		})
	}
	if n := len(mgr.Nodes()); n != 0 {
		t.Errorf("the refused configurations left %d nodes in the manager", n)
	}
}
