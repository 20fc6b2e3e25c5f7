// Package wire owns the NodeStream wire format: the envelope every Gorums message travels in,
// the `gorums` gRPC codec that frames it, and the stream's service description.
//
// A gRPC message on the NodeStream is
//
//	varint(len(M)) M varint(len(P)) P
//
// where P is the protobuf encoding of the application message and M is the protobuf encoding of
//
//	message Metadata { uint64 MessageID = 1; string Method = 2; google.rpc.Status Status = 3;
//	                   repeated MetadataEntry Entry = 4; }
//	message MetadataEntry { string Key = 1; string Value = 2; }
//
// which is what Gorums peers of versions 0.7 to 0.11 speak. Two extensions, each negotiated per
// stream, are spoken between peers of this version only: batched frames (batch.go) and read
// receipts (receipt.go). The metadata is encoded and decoded
// by hand with protowire: it is on every message's path, and the hand-written code is both
// faster and strict about malformed input.
//
// Nothing here starts goroutines; every function is safe for concurrent use. The only state is
// a pool of buffers for batches and large frames (pool.go): a pooled frame's buffer goes back
// to the pool when gRPC, having written every send of it, and the frame's owner (Frame.Done)
// have all let go of it. A frame from Frame.Encode may be sent from many goroutines at once:
// they only read it. A decoded Message's Payload aliases the buffer it was decoded from.
package wire
