package configuration

import (
	"slices"
	"testing"
)

func TestSetAlgebra(t *testing.T) {
	tests := []struct {
		name       string
		a, b       []uint32
		union      []uint32
		difference []uint32 // a \ b
		equal      bool
	}{
		{"both empty", nil, nil, []uint32{}, []uint32{}, true},
		{"empty and nil", []uint32{}, nil, []uint32{}, []uint32{}, true},
		{"a empty", nil, []uint32{1, 2}, []uint32{1, 2}, []uint32{}, false},
		{"b empty", []uint32{1, 2}, []uint32{}, []uint32{1, 2}, []uint32{1, 2}, false},
		{"equal", []uint32{1, 5, 9}, []uint32{1, 5, 9}, []uint32{1, 5, 9}, []uint32{}, true},
		{"disjoint interleaved", []uint32{1, 3, 5}, []uint32{2, 4, 6}, []uint32{1, 2, 3, 4, 5, 6}, []uint32{1, 3, 5}, false},
		{"disjoint a before b", []uint32{1, 2}, []uint32{7, 8}, []uint32{1, 2, 7, 8}, []uint32{1, 2}, false},
		{"disjoint b before a", []uint32{7, 8}, []uint32{1, 2}, []uint32{1, 2, 7, 8}, []uint32{7, 8}, false},
		{"overlapping", []uint32{1, 2, 3, 4}, []uint32{3, 4, 5}, []uint32{1, 2, 3, 4, 5}, []uint32{1, 2}, false},
		{"b subset of a", []uint32{1, 2, 3, 4}, []uint32{2, 4}, []uint32{1, 2, 3, 4}, []uint32{1, 3}, false},
		{"a subset of b", []uint32{2}, []uint32{1, 2, 3}, []uint32{1, 2, 3}, []uint32{}, false},
		{"same length different", []uint32{1, 2}, []uint32{1, 3}, []uint32{1, 2, 3}, []uint32{2}, false},
		{"extremes", []uint32{0, 1<<32 - 1}, []uint32{0}, []uint32{0, 1<<32 - 1}, []uint32{1<<32 - 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a0, b0 := slices.Clone(tt.a), slices.Clone(tt.b)
			if got := union(tt.a, tt.b); !slices.Equal(got, tt.union) {
				t.Errorf("union(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.union)
			}
			if got := union(tt.b, tt.a); !slices.Equal(got, tt.union) {
				t.Errorf("union(%v, %v) = %v, want %v", tt.b, tt.a, got, tt.union)
			}
			if got := difference(tt.a, tt.b); !slices.Equal(got, tt.difference) {
				t.Errorf("difference(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.difference)
			}
			if got := equalIDs(tt.a, tt.b); got != tt.equal {
				t.Errorf("equalIDs(%v, %v) = %v", tt.a, tt.b, got)
			}
			if got := equalIDs(tt.b, tt.a); got != tt.equal {
				t.Errorf("equalIDs(%v, %v) = %v", tt.b, tt.a, got)
			}
			if !slices.Equal(tt.a, a0) || !slices.Equal(tt.b, b0) {
				t.Errorf("inputs modified: %v, %v; were %v, %v", tt.a, tt.b, a0, b0)
			}
		})
	}
}

func TestSetAlgebraResultsDoNotAlias(t *testing.T) {
	a := []uint32{1, 2, 3}
	u := union(a, nil)
	u[0] = 99
	d := difference(a, nil)
	d[1] = 99
	if !slices.Equal(a, []uint32{1, 2, 3}) {
		t.Fatalf("results alias the input: %v", a)
	}
}
