package wire

import "google.golang.org/grpc"

// Names of the NodeStream service, as Gorums peers know them.
const (
	ServiceName = "ordering.Gorums"
	StreamName  = "NodeStream"
	FullMethod  = "/" + ServiceName + "/" + StreamName
)

// StreamDesc describes the NodeStream: one bidirectional stream per client and server.
var StreamDesc = grpc.StreamDesc{
	StreamName:    StreamName,
	ServerStreams: true,
	ClientStreams: true,
}

// ServiceDesc returns the service description that serves the NodeStream with handler.
func ServiceDesc(handler grpc.StreamHandler) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: ServiceName,
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{{
			StreamName:    StreamName,
			Handler:       handler,
			ServerStreams: true,
			ClientStreams: true,
		}},
	}
}
