package wire

import (
	"fmt"
	"strconv"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
)

// Batched frames: an extension of the NodeStream framing between peers that both announce it.
//
// A client announces the capability by sending BatchKey: BatchVersion in its stream metadata;
// a server that supports it (and has it on) confirms by sending the same pair in its response
// header at once. Only then may either side send a batch, and each side may still send single
// envelopes. A peer that does not announce or confirm (Gorums v0.7 to v0.11, any raw client)
// never receives a batch.
//
// A batch is one gRPC message that carries several envelopes:
//
//	batch    = 0x00 1*(varint(len(envelope)) envelope)
//	envelope = varint(len(M)) M varint(len(P)) P      (the single-envelope framing)
//
// The leading zero byte tells a batch from a single envelope: an envelope from a peer that
// negotiated batching always has metadata (a message ID), so it never starts with a zero
// length. Writers keep a batch within BatchMaxEnvelopes envelopes and BatchMaxBytes bytes,
// well under gRPC's default 4 MiB limit on received messages, and within the limit the peer
// announced (BatchLimitKey) and their own send limit; a single envelope larger than that
// travels alone. Writers never wait to fill a batch: they send what is queued when they
// are free, so a lone message is never delayed. A client sends a single envelope only for a
// lone call, and a batch (of one, if need be) while other calls are in flight; a server takes
// that as a hint whether a reply may gather with others (Message.Batched).

// Negotiation metadata. With BatchKey each side also sends BatchLimitKey: the largest gRPC
// message it accepts (its grpc.MaxCallRecvMsgSize or grpc.MaxRecvMsgSize), in decimal bytes, so
// that the other keeps its batches, and the single messages it can check, within it.
const (
	BatchKey      = "gorums-batch"
	BatchVersion  = "1"
	BatchLimitKey = "gorums-batch-limit"
)

// DefaultRecvLimit is gRPC's default limit on a received message, on clients and servers alike:
// what a peer accepts unless it was told otherwise.
const DefaultRecvLimit = 4 << 20

// ParseBatchLimit reads a peer's BatchLimitKey from its metadata; 0 if it sent none or none
// that is a positive number.
func ParseBatchLimit(md metadata.MD) int {
	v := md.Get(BatchLimitKey)
	if len(v) == 0 {
		return 0
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// AnnouncedBatching reports whether md (a stream's metadata or a server's response header)
// carries the batching pair.
func AnnouncedBatching(md metadata.MD) bool {
	v := md.Get(BatchKey)
	return len(v) > 0 && v[0] == BatchVersion
}

// FormatBatchLimit is the BatchLimitKey value of a receive limit.
func FormatBatchLimit(limit int) string { return strconv.Itoa(limit) }

// MinLimit is the smaller of two message size limits, where 0 means none is known.
func MinLimit(a, b int) int {
	switch {
	case a <= 0:
		return max(b, 0)
	case b <= 0:
		return a
	}
	return min(a, b)
}

// BatchBytesWithin is how many bytes a batch may have on a stream whose messages may have at
// most limit bytes (0: no limit known).
func BatchBytesWithin(limit int) int { return MinLimit(BatchMaxBytes, limit) }

// Batch limits.
const (
	BatchMaxEnvelopes = 256
	BatchMaxBytes     = 256 << 10
)

const batchMarker = 0x00

// IsBatch reports whether b, a gRPC message of the NodeStream, is a batch.
func IsBatch(b []byte) bool { return len(b) > 0 && b[0] == batchMarker }

// BatchSize is the size of a batch of envelopes of the given sizes.
func BatchSize(sizes ...int) int {
	n := 1
	for _, s := range sizes {
		n += protowire.SizeVarint(uint64(s)) + s
	}
	return n
}

// BatchAdd reports the size of a batch of size bytes (0 for none yet) once an envelope of
// envSize bytes is added.
func BatchAdd(size, envSize int) int {
	if size == 0 {
		size = 1
	}
	return size + protowire.SizeVarint(uint64(envSize)) + envSize
}

// AppendBatch appends a batch of the envelopes to dst.
func AppendBatch(dst []byte, envelopes ...[]byte) []byte {
	dst = StartBatch(dst)
	for _, e := range envelopes {
		dst = AppendToBatch(dst, e)
	}
	return dst
}

// StartBatch appends the start of a batch to dst; AppendToBatch then adds its envelopes.
func StartBatch(dst []byte) []byte { return append(dst, batchMarker) }

// AppendToBatch appends an envelope to a batch started with StartBatch.
func AppendToBatch(batch, envelope []byte) []byte { return protowire.AppendBytes(batch, envelope) }

// SplitBatch returns the first envelope of the batch b (with its marker already removed) and
// the rest. An empty or malformed batch is an error.
func SplitBatch(b []byte) (envelope, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%w: empty batch", ErrMalformed)
	}
	e, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, nil, fmt.Errorf("%w: batch envelope length: %v", ErrMalformed, protowire.ParseError(n))
	}
	return e, b[n:], nil
}
