package server

import (
	"math"
	"reflect"

	"google.golang.org/grpc"

	"github.com/quorumcall/gorums/internal/wire"
)

// messageLimits are the message size limits of the gRPC server underneath: the largest
// message it accepts (grpc.MaxRecvMsgSize, which the server announces to clients that batch,
// so that their batches fit) and the largest it sends (grpc.MaxSendMsgSize, which bounds the
// server's own reply batches, and above which a single reply is answered with
// ResourceExhausted instead of ending the stream).
type messageLimits struct {
	recv, send int
}

// readMessageLimits reads the limits gs was built with, from the options given with
// WithGRPCServerOptions or gRPC's defaults. gRPC has no accessor for them, so they are read
// from the server's option fields; a gRPC that names them otherwise gets its defaults
// assumed, and TestConfirmationAnnouncesLimit fails on it, so that the change is seen.
func readMessageLimits(gs *grpc.Server) messageLimits {
	limits := messageLimits{recv: wire.DefaultRecvLimit, send: math.MaxInt32}
	opts := reflect.ValueOf(gs).Elem().FieldByName("opts")
	if !opts.IsValid() || opts.Kind() != reflect.Struct {
		return limits
	}
	read := func(name string, into *int) {
		if f := opts.FieldByName(name); f.IsValid() && f.CanInt() && f.Int() > 0 {
			*into = int(min(f.Int(), math.MaxInt32))
		}
	}
	read("maxReceiveMessageSize", &limits.recv)
	read("maxSendMessageSize", &limits.send)
	return limits
}
