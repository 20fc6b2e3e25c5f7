// Package benchpb holds the messages and services of the Gorums benchmarks: the Gorums service
// BenchGorums (bench.proto, compiled with protoc-gen-go and protoc-gen-gorums) and the plain
// gRPC services of the hand-written baselines, BenchGRPC (grpcbench.proto) and BenchStream
// (streambench.proto), both compiled with protoc-gen-go and protoc-gen-go-grpc v1.6.2.
//
// To regenerate, from this directory, with protoc, protoc-gen-go and protoc-gen-go-grpc on
// PATH (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12 and
// go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2):
//
//	go generate ./benchmark/proto
package benchpb

//go:generate go build -o protoc-gen-gorums.tmp ../../gen/protoc-gen-gorums
//go:generate protoc -I=../..:. --plugin=protoc-gen-gorums=protoc-gen-gorums.tmp --go_out=paths=source_relative:. --gorums_out=paths=source_relative:. bench.proto
//go:generate rm -f protoc-gen-gorums.tmp
//go:generate protoc -I=../..:. --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. grpcbench.proto
//go:generate protoc -I=../..:. --go_out=paths=source_relative:. --go-grpc_out=paths=source_relative:. streambench.proto
