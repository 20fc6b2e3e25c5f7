package callproto

import (
	"testing"

	"github.com/quorumcall/gorums/internal/wire"
)

// The node's goroutine yields before a batch while the batch, with the request in hand, has
// room for more, whatever earlier yields gathered; not when a batch's worth is queued.
func TestYieldPays(t *testing.T) {
	full := wire.BatchMaxEnvelopes - 1 // queued requests that fill a batch with the one in hand
	for _, tc := range []struct {
		queued int
		want   bool
	}{
		{0, true},
		{1, true},
		{full - 1, true},
		{full, false},
		{full + 1, false},
		{2 * wire.BatchMaxEnvelopes, false},
	} {
		if got := yieldPays(tc.queued); got != tc.want {
			t.Errorf("yieldPays(%d) = %v, want %v", tc.queued, got, tc.want)
		}
	}
}
