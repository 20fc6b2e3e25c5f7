package calltypes

import (
	"context"
	"sync"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/quorumcall/gorums"
)

// Method names, as the server records them (the last part of the full method name).
const (
	MOrderedRPC                    = "OrderedRPC"
	MExplicitRPC                   = "ExplicitRPC"
	MUnicast                       = "Unicast"
	MMulticast                     = "Multicast"
	MMulticastPerNode              = "MulticastPerNode"
	MQuorumCall                    = "QuorumCall"
	MQuorumCallPerNode             = "QuorumCallPerNode"
	MQuorumCallCustomReturn        = "QuorumCallCustomReturn"
	MQuorumCallCombo               = "QuorumCallCombo"
	MQuorumCallEmptyIn             = "QuorumCallEmptyIn"
	MQuorumCallEmptyOut            = "QuorumCallEmptyOut"
	MQuorumCallAsync               = "QuorumCallAsync"
	MQuorumCallAsyncPerNode        = "QuorumCallAsyncPerNode"
	MQuorumCallAsyncCustomReturn   = "QuorumCallAsyncCustomReturn"
	MQuorumCallAsyncEmpty          = "QuorumCallAsyncEmpty"
	MCorrectable                   = "Correctable"
	MCorrectablePerNode            = "CorrectablePerNode"
	MCorrectableCustomReturn       = "CorrectableCustomReturn"
	MCorrectableStream             = "CorrectableStream"
	MCorrectableStreamPerNode      = "CorrectableStreamPerNode"
	MCorrectableStreamCustomReturn = "CorrectableStreamCustomReturn"
)

// BarrierValue marks requests that the server serves but does not record: tests send an
// ordered RPC with it to each node to know that everything sent to the node before has been
// handled (calls to one node are handled in the order they were made).
const BarrierValue = "barrier"

// Arrival is one request as a server saw it, in order of arrival.
type Arrival struct {
	Method string
	Seq    uint64
	Value  string
	MD     metadata.MD // the handler's incoming metadata
	Peer   *peer.Peer  // the handler's peer, or nil
}

// Behavior says how a Server's handlers act. It is fixed when the server is made.
type Behavior struct {
	// Before, if set, runs in every handler after the request is recorded and before the
	// reply (for one-way methods: before the handler returns). It may block; it should return
	// when ctx ends. A non-nil error is the handler's error (one-way handlers drop it).
	Before func(ctx context.Context, method string, req *Request) error
	// BetweenParts, if set, runs in stream handlers after part p was sent and before part p+1.
	// A non-nil error ends the stream handler with that error.
	BetweenParts func(ctx context.Context, req *Request, p int) error
}

// Server implements CallTypes for the tests: it records every request's arrival and answers
// with Response{Result: request's Value, Seq: request's Seq, Node: its ID}. Its methods are
// safe for concurrent use.
type Server struct {
	id uint32
	b  Behavior

	mu       sync.Mutex
	arrivals []Arrival
	changed  chan struct{} // closed and replaced on every arrival
}

var _ CallTypes = (*Server)(nil)

// NewServer returns a server that answers as node id.
func NewServer(id uint32, b Behavior) *Server {
	return &Server{id: id, b: b, changed: make(chan struct{})}
}

// ID returns the node ID the server answers as.
func (s *Server) ID() uint32 { return s.id }

// Arrivals returns the requests recorded so far, in order of arrival.
func (s *Server) Arrivals() []Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Arrival(nil), s.arrivals...)
}

// Seqs returns the sequence numbers of the recorded requests of the given methods (all
// methods if none are given), in order of arrival.
func (s *Server) Seqs(methods ...string) []uint64 {
	var out []uint64
	for _, a := range s.Arrivals() {
		if len(methods) == 0 || contains(methods, a.Method) {
			out = append(out, a.Seq)
		}
	}
	return out
}

// WaitFor waits until cond holds for the arrivals so far, or ctx ends; it reports whether
// cond held.
func (s *Server) WaitFor(ctx context.Context, cond func([]Arrival) bool) bool {
	for {
		s.mu.Lock()
		ok := cond(s.arrivals)
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) record(ctx context.Context, method string, req *Request) {
	if req.GetValue() == BarrierValue {
		return
	}
	md, _ := metadata.FromIncomingContext(ctx)
	p, _ := peer.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.arrivals = append(s.arrivals, Arrival{Method: method, Seq: req.GetSeq(), Value: req.GetValue(), MD: md.Copy(), Peer: p})
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) before(ctx context.Context, method string, req *Request) error {
	if s.b.Before == nil || req.GetValue() == BarrierValue {
		return nil
	}
	return s.b.Before(ctx, method, req)
}

func (s *Server) unary(ctx gorums.ServerCtx, method string, req *Request) (*Response, error) {
	s.record(ctx, method, req)
	if err := s.before(ctx, method, req); err != nil {
		return nil, err
	}
	return &Response{Result: req.GetValue(), Seq: req.GetSeq(), Node: s.id, Part: 1}, nil
}

func (s *Server) oneway(ctx gorums.ServerCtx, method string, req *Request) {
	s.record(ctx, method, req)
	_ = s.before(ctx, method, req)
}

func (s *Server) stream(ctx gorums.ServerCtx, method string, req *Request, send func(*Response) error) error {
	s.record(ctx, method, req)
	if err := s.before(ctx, method, req); err != nil {
		return err
	}
	parts := max(int(req.GetParts()), 1)
	for p := 1; p <= parts; p++ {
		if err := send(&Response{Result: req.GetValue(), Seq: req.GetSeq(), Node: s.id, Part: uint32(p)}); err != nil {
			return err
		}
		if p < parts && s.b.BetweenParts != nil {
			if err := s.b.BetweenParts(ctx, req, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) empty(ctx gorums.ServerCtx, method string, req *Request) (*emptypb.Empty, error) {
	if _, err := s.unary(ctx, method, req); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// OrderedRPC implements CallTypes.
func (s *Server) OrderedRPC(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MOrderedRPC, req)
}

// ExplicitRPC implements CallTypes.
func (s *Server) ExplicitRPC(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MExplicitRPC, req)
}

// Unicast implements CallTypes.
func (s *Server) Unicast(ctx gorums.ServerCtx, req *Request) { s.oneway(ctx, MUnicast, req) }

// Multicast implements CallTypes.
func (s *Server) Multicast(ctx gorums.ServerCtx, req *Request) { s.oneway(ctx, MMulticast, req) }

// MulticastPerNode implements CallTypes.
func (s *Server) MulticastPerNode(ctx gorums.ServerCtx, req *Request) {
	s.oneway(ctx, MMulticastPerNode, req)
}

// QuorumCall implements CallTypes.
func (s *Server) QuorumCall(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCall, req)
}

// QuorumCallPerNode implements CallTypes.
func (s *Server) QuorumCallPerNode(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCallPerNode, req)
}

// QuorumCallCustomReturn implements CallTypes.
func (s *Server) QuorumCallCustomReturn(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCallCustomReturn, req)
}

// QuorumCallCombo implements CallTypes.
func (s *Server) QuorumCallCombo(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCallCombo, req)
}

// QuorumCallEmptyIn implements CallTypes; it records the request with sequence number 0.
func (s *Server) QuorumCallEmptyIn(ctx gorums.ServerCtx, _ *emptypb.Empty) (*Response, error) {
	return s.unary(ctx, MQuorumCallEmptyIn, &Request{})
}

// QuorumCallEmptyOut implements CallTypes.
func (s *Server) QuorumCallEmptyOut(ctx gorums.ServerCtx, req *Request) (*emptypb.Empty, error) {
	return s.empty(ctx, MQuorumCallEmptyOut, req)
}

// QuorumCallAsync implements CallTypes.
func (s *Server) QuorumCallAsync(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCallAsync, req)
}

// QuorumCallAsyncPerNode implements CallTypes.
func (s *Server) QuorumCallAsyncPerNode(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCallAsyncPerNode, req)
}

// QuorumCallAsyncCustomReturn implements CallTypes.
func (s *Server) QuorumCallAsyncCustomReturn(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MQuorumCallAsyncCustomReturn, req)
}

// QuorumCallAsyncEmpty implements CallTypes.
func (s *Server) QuorumCallAsyncEmpty(ctx gorums.ServerCtx, req *Request) (*emptypb.Empty, error) {
	return s.empty(ctx, MQuorumCallAsyncEmpty, req)
}

// Correctable implements CallTypes.
func (s *Server) Correctable(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MCorrectable, req)
}

// CorrectablePerNode implements CallTypes.
func (s *Server) CorrectablePerNode(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MCorrectablePerNode, req)
}

// CorrectableCustomReturn implements CallTypes.
func (s *Server) CorrectableCustomReturn(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	return s.unary(ctx, MCorrectableCustomReturn, req)
}

// CorrectableStream implements CallTypes: it sends req.Parts replies, numbered from 1.
func (s *Server) CorrectableStream(ctx gorums.ServerCtx, req *Request, send func(*Response) error) error {
	return s.stream(ctx, MCorrectableStream, req, send)
}

// CorrectableStreamPerNode implements CallTypes.
func (s *Server) CorrectableStreamPerNode(ctx gorums.ServerCtx, req *Request, send func(*Response) error) error {
	return s.stream(ctx, MCorrectableStreamPerNode, req, send)
}

// CorrectableStreamCustomReturn implements CallTypes.
func (s *Server) CorrectableStreamCustomReturn(ctx gorums.ServerCtx, req *Request, send func(*Response) error) error {
	return s.stream(ctx, MCorrectableStreamCustomReturn, req, send)
}
