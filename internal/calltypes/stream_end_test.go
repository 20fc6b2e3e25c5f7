package calltypes

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
)

// replyThenError is a server whose stream handler sends one reply and then ends with an
// error, before the client has read the reply (usually).
type replyThenError struct{ *Server }

func (replyThenError) CorrectableStream(_ gorums.ServerCtx, req *Request, send func(*Response) error) error {
	if err := send(&Response{Result: req.GetValue(), Seq: req.GetSeq(), Node: 1, Part: 1}); err != nil {
		return err
	}
	return status.Error(codes.Aborted, "no more")
}

// TestStreamReplyBeforeHandlerError: a reply a stream handler sent before it returned an
// error counts: the error is the node's last word, after the reply, not in its place. The
// quorum function, done at level 1, sees the reply every time.
func TestStreamReplyBeforeHandlerError(t *testing.T) {
	c := newCluster(t, 0, setup{extra: map[string]uint32{startServer(t, replyThenError{NewServer(1, Behavior{})}): 1}})
	cfg, err := c.mgr.NewConfiguration(QSpec{Q: 1}, gorums.WithNodeIDs([]uint32{1}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for i := range 50 {
		call := cfg.CorrectableStream(ctx, &Request{Value: "v", Seq: uint64(i)})
		<-call.Done()
		r, level, err := call.Get()
		if err != nil || level != 1 || r.GetPart() != 1 {
			t.Fatalf("call %d: level %d, reply %v, %v; want the reply sent before the handler's error", i, level, r, err)
		}
	}
}
