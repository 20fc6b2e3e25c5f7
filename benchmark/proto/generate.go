// Package benchpb holds the messages and services of the Gorums benchmarks: the Gorums service
// BenchGorums (bench.proto, compiled with cmd/gorums-gen) and the plain gRPC services of the
// hand-written baselines, BenchGRPC (grpcbench.proto) and BenchStream (streambench.proto),
// both compiled with protoc, protoc-gen-go and protoc-gen-go-grpc v1.6.2.
//
// To regenerate, from this directory, with protoc, protoc-gen-go and protoc-gen-go-grpc on
// PATH (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12 and
// go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2):
//
//	go generate ./benchmark/proto
package benchpb

//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen bench.proto
//go:generate protoc -I=../..:. --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. grpcbench.proto
//go:generate protoc -I=../..:. --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. streambench.proto
