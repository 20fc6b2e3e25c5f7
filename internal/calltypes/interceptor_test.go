package calltypes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums"
)

// kindOf is the server-side kind of a method of the service.
func kindOf(method string) gorums.MethodKind {
	switch method {
	case MUnicast, MMulticast, MMulticastPerNode:
		return gorums.OneWayMethod
	case MCorrectableStream, MCorrectableStreamPerNode, MCorrectableStreamCustomReturn:
		return gorums.StreamMethod
	default:
		return gorums.UnaryMethod
	}
}

// interceptLog records what server interceptors see, per server (by its listening address).
type interceptLog struct {
	mu     sync.Mutex
	events map[string][]string
}

func (l *interceptLog) add(ctx context.Context, event string) {
	p, _ := peer.FromContext(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	addr := p.LocalAddr.String()
	l.events[addr] = append(l.events[addr], event)
}

// of returns the events server addr recorded whose text contains key.
func (l *interceptLog) of(addr, key string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events[addr] {
		if strings.Contains(e, key) {
			out = append(out, e)
		}
	}
	return out
}

// recording returns an interceptor that logs, for each request other than barriers, the
// method, its kind, the request's sequence number and its per-message "trace" metadata on the
// way in, each reply, and the outcome's code on the way out.
func recording(l *interceptLog, name string) gorums.ServerInterceptor {
	return func(ctx gorums.ServerCtx, info gorums.ServerCallInfo, req proto.Message, send gorums.ServerSendFunc, next gorums.ServerNext) error {
		r, _ := req.(*Request)
		if r.GetValue() == BarrierValue {
			return next(ctx, req, send)
		}
		md, _ := metadata.FromIncomingContext(ctx)
		key := fmt.Sprintf("%s/%d", info.Method, r.GetSeq())
		l.add(ctx, fmt.Sprintf("%s> %s %v trace=%s", name, key, info.Kind, strings.Join(md.Get("trace"), ",")))
		err := next(ctx, req, func(reply proto.Message) error {
			part := uint32(1) // a method replying with Empty sends one part
			if r, ok := reply.(*Response); ok {
				part = r.GetPart()
			}
			l.add(ctx, fmt.Sprintf("%s: %s reply part %d", name, key, part))
			return send(reply)
		})
		l.add(ctx, fmt.Sprintf("%s< %s %v", name, key, status.Code(err)))
		return err
	}
}

// TestServerInterceptorsSeeEveryCallType: two interceptors run around the handler of every
// call type, outer first, each seeing the method's full name, its kind, the request with its
// per-message metadata, and every reply; the calls give what they give without them.
func TestServerInterceptorsSeeEveryCallType(t *testing.T) {
	l := &interceptLog{events: map[string][]string{}}
	c := newCluster(t, 3, setup{srvOpts: []gorums.ServerOption{
		gorums.WithServerInterceptors(recording(l, "outer"), recording(l, "inner")),
	}})
	ctx := testCtx(t)
	for i, k := range callKinds {
		req := prepare(c, k, &Request{Value: "v", Seq: uint64(100 + i)})
		got := k.start(metadata.AppendToOutgoingContext(ctx, "trace", k.name), c, req)()
		if want := k.want(c, req); got != want {
			t.Fatalf("%s = %+v, want %+v", k.name, got, want)
		}
		c.barrier(t, ctx)
		seq := req.GetSeq()
		if k.noSeq {
			seq = 0
		}
		key := fmt.Sprintf("calltypes.CallTypes.%s/%d ", k.method, seq)
		want := []string{
			fmt.Sprintf("outer> %s%v trace=%s", key, kindOf(k.method), k.name),
			fmt.Sprintf("inner> %s%v trace=%s", key, kindOf(k.method), k.name),
		}
		parts := map[gorums.MethodKind]int{gorums.UnaryMethod: 1, gorums.OneWayMethod: 0, gorums.StreamMethod: streamParts}[kindOf(k.method)]
		for p := 1; p <= parts; p++ {
			want = append(want, fmt.Sprintf("inner: %sreply part %d", key, p), fmt.Sprintf("outer: %sreply part %d", key, p))
		}
		want = append(want, "inner< "+key+"OK", "outer< "+key+"OK")
		to := k.to(c, req)
		for j, addr := range c.addrs {
			got := l.of(addr, key)
			if !slices.Contains(to, j) {
				if len(got) > 0 {
					t.Errorf("%s: server %d, which got no request, logged %q", k.name, j+1, got)
				}
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: server %d logged\n  %s\nwant\n  %s", k.name, j+1, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		}
	}
}

// codesOf returns the status codes in a call's error: its own, or each node's in a
// QuorumCallError.
func codesOf(err error) []codes.Code {
	var qcErr gorums.QuorumCallError
	if errors.As(err, &qcErr) {
		out := make([]codes.Code, len(qcErr.Errors))
		for i, ne := range qcErr.Errors {
			out[i] = status.Code(ne.Cause)
		}
		return out
	}
	return []codes.Code{status.Code(err)}
}

// TestServerInterceptorRefusesEveryCallType: an interceptor that requires a token in the
// request's metadata refuses calls without one with PermissionDenied, before the handler
// runs, and a panicking interceptor gives Internal; every call type's caller sees that code
// from every node it called (one-way calls see nothing), no handler runs, and the servers go
// on serving calls that carry the token.
func TestServerInterceptorRefusesEveryCallType(t *testing.T) {
	auth := func(ctx gorums.ServerCtx, _ gorums.ServerCallInfo, req proto.Message, send gorums.ServerSendFunc, next gorums.ServerNext) error {
		md, _ := metadata.FromIncomingContext(ctx)
		switch strings.Join(md.Get("token"), ",") {
		case "secret":
			return next(ctx, req, send)
		case "boom":
			panic("interceptor bug")
		default:
			return status.Error(codes.PermissionDenied, "no valid token")
		}
	}
	c := newCluster(t, 3, setup{srvOpts: []gorums.ServerOption{gorums.WithServerInterceptors(auth)}})
	ctx := testCtx(t)
	withToken := metadata.AppendToOutgoingContext(ctx, "token", "secret")
	for _, tc := range []struct {
		name  string
		token []string
		code  codes.Code
	}{
		{"no token", nil, codes.PermissionDenied},
		{"wrong token", []string{"token", "guess"}, codes.PermissionDenied},
		{"interceptor panics", []string{"token", "boom"}, codes.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, k := range callKinds {
				req := prepare(c, k, &Request{Value: "refused", Seq: uint64(200 + i)})
				callCtx := ctx
				if tc.token != nil {
					callCtx = metadata.AppendToOutgoingContext(ctx, tc.token...)
				}
				got := k.start(callCtx, c, req)()
				if kindOf(k.method) == gorums.OneWayMethod {
					if got.err != nil {
						t.Errorf("%s: %v", k.name, got.err)
					}
				} else {
					cs := codesOf(got.err)
					if got.err == nil || slices.ContainsFunc(cs, func(c codes.Code) bool { return c != tc.code }) {
						t.Errorf("%s: %v (codes %v), want %v from every node", k.name, got.err, cs, tc.code)
					}
				}
				// The barrier, with the token, is handled after the refused request.
				c.barrier(t, withToken)
				for j, s := range c.srvs {
					if len(s.Arrivals()) > 0 {
						t.Fatalf("%s: server %d ran a handler for a refused request: %+v", k.name, j+1, s.Arrivals())
					}
				}
			}
		})
	}
	// With the token, every call type goes through.
	for i, k := range callKinds {
		req := prepare(c, k, &Request{Value: "allowed", Seq: uint64(300 + i)})
		if got, want := k.start(withToken, c, req)(), k.want(c, req); got != want {
			t.Errorf("%s with the token = %+v, want %+v", k.name, got, want)
		}
	}
}
