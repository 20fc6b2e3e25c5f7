package manager

import (
	"slices"
	"testing"
)

func TestOrderedBy(t *testing.T) {
	m := newTestManager(t, WithNoConnect())
	a, b, c := withID(t, "127.0.0.1:9003", 1), withID(t, "127.0.0.1:9001", 3), withID(t, "127.0.0.1:9002", 2)
	for _, n := range []*Node{a, b, c} {
		if err := m.AddNode(n); err != nil {
			t.Fatal(err)
		}
	}
	d := withID(t, "127.0.0.1:9001", 9) // not in the manager: no last error
	ids := func(ns []*Node) []uint32 {
		out := make([]uint32, len(ns))
		for i, n := range ns {
			out[i] = n.ID()
		}
		return out
	}
	for _, tc := range []struct {
		name string
		less []func(n1, n2 *Node) bool
		in   []*Node
		want []uint32
	}{
		{"ID", []func(n1, n2 *Node) bool{ID}, []*Node{b, a, c}, []uint32{1, 2, 3}},
		{"Port", []func(n1, n2 *Node) bool{Port}, []*Node{a, c, b}, []uint32{3, 2, 1}},
		{"Port then ID", []func(n1, n2 *Node) bool{Port, ID}, []*Node{d, a, b, c}, []uint32{3, 9, 2, 1}},
		{"LastNodeError then ID", []func(n1, n2 *Node) bool{LastNodeError, ID}, []*Node{d, c, b, a}, []uint32{1, 2, 3, 9}},
	} {
		ns := slices.Clone(tc.in)
		OrderedBy(tc.less...).Sort(ns)
		if got := ids(ns); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
