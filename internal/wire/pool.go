package wire

import (
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/mem"
)

// Batches are built in pooled buffers. gRPC writes a message after SendMsg returns, from the
// buffers the codec gave it, and frees them when it is done; a buffer made by mem.NewBuffer
// with a pool goes back to that pool then. So a batch's buffer serves later batches without
// anyone guessing when gRPC is through with it. gRPC counts references only for buffers larger
// than its pooling threshold (1 KiB), so the smallest class is above it; a buffer that gRPC
// does not count is merely not reused.

// bufferClasses are the capacities the pool keeps, each four times the last.
var bufferClasses = [...]int{2 << 10, 8 << 10, 32 << 10, 128 << 10, 512 << 10}

type bufferPool struct {
	classes [len(bufferClasses)]sync.Pool // of *[]byte
}

var buffers bufferPool

var _ mem.BufferPool = (*bufferPool)(nil)

// Get returns a buffer of length n, from the pool when a class holds n.
func (p *bufferPool) Get(n int) *[]byte {
	for i, c := range bufferClasses {
		if n <= c {
			if b, ok := p.classes[i].Get().(*[]byte); ok {
				*b = (*b)[:n]
				return b
			}
			b := make([]byte, n, c)
			return &b
		}
	}
	b := make([]byte, n)
	return &b
}

// putHook, if set, is called with each buffer given back (for tests).
var putHook atomic.Pointer[func()]

// Put keeps b for reuse if its capacity is one of the classes.
func (p *bufferPool) Put(b *[]byte) {
	if f := putHook.Load(); f != nil {
		(*f)()
	}
	for i, c := range bufferClasses {
		if cap(*b) == c {
			*b = (*b)[:0]
			p.classes[i].Put(b)
			return
		}
	}
}

// NewPooledFrame returns an empty frame with room for size bytes from the package's buffer
// pool: append to its Bytes, send it on one stream, then call Done. The buffer goes back to
// the pool once gRPC has written it (if Bytes outgrew it, the frame is sent as a plain one).
func NewPooledFrame(size int) *Frame {
	b := buffers.Get(size)
	return &Frame{Bytes: (*b)[:0], pool: b}
}

// Done gives back the sender's hold on a pooled frame's buffer, once the frame has been sent
// (or will not be); gRPC holds it until it has written it. It does nothing for other frames.
func (f *Frame) Done() {
	switch {
	case f.pooled != nil:
		f.pooled.Free()
	case f.pool != nil:
		buffers.Put(f.pool) // gRPC never had it
	}
	// bufs stays: gRPC may still be reading the buffer list Marshal returned from it.
	f.pool, f.pooled = nil, nil
}
