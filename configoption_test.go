package gorums

import (
	"reflect"
	"testing"
)

type quorumSpecForTest interface {
	AQF(in *int, replies map[uint32]*int) (*int, bool)
	BQF(in *int, replies map[uint32]*int) (*int, bool)
}

type funcQSpec func()
type mapQSpec map[int]int
type ptrQSpec struct{}

func (*ptrQSpec) AQF(*int, map[uint32]*int) (*int, bool) { return nil, false }
func (ptrQSpec) BQF(*int, map[uint32]*int) (*int, bool)  { return nil, false }

func TestNilQuorumSpec(t *testing.T) {
	for _, tt := range []struct {
		qs   any
		want bool
	}{
		{nil, true},
		{(*ptrQSpec)(nil), true},
		{funcQSpec(nil), true},
		{mapQSpec(nil), true},
		{&ptrQSpec{}, false},
		{ptrQSpec{}, false},
		{funcQSpec(func() {}), false},
		{mapQSpec{}, false},
		{0, false},
	} {
		if got := NilQuorumSpec(tt.qs); got != tt.want {
			t.Errorf("NilQuorumSpec(%#v) = %t, want %t", tt.qs, got, tt.want)
		}
	}
}

func TestNotImplemented(t *testing.T) {
	qs := reflect.TypeFor[quorumSpecForTest]()
	for _, tt := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[ptrQSpec](), "gorums.ptrQSpec does not implement gorums.quorumSpecForTest: method AQF has a pointer receiver (pass a *gorums.ptrQSpec)"},
		{reflect.TypeFor[string](), "string is neither a node list option nor a gorums.quorumSpecForTest"},
	} {
		if got := notImplemented(tt.typ, qs); got != tt.want {
			t.Errorf("notImplemented(%s):\n got %s\nwant %s", tt.typ, got, tt.want)
		}
	}
}
