package wire

import (
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	spb "google.golang.org/genproto/googleapis/rpc/status"
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

// SetPutHook makes f be called whenever a buffer goes back to the pool, or stops that with
// nil; it is for tests, which count reuse.
func SetPutHook(f func()) {
	if f == nil {
		putHook.Store(nil)
		return
	}
	putHook.Store(&f)
}

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

// Pooled reports whether the frame's buffer is from the package's pool, so that Done must be
// called once it will not be sent again.
func (f *Frame) Pooled() bool { return f.pool != nil || f.pooled != nil }

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

// PooledFrameMin is the least frame size that EncodeFrame puts in a pooled buffer. Smaller
// frames are cheaper allocated outright: gRPC counts references only to buffers above its
// pooling threshold, and a small buffer in a large class would waste most of it.
const PooledFrameMin = 1 << 10

// FrameFootprint is the memory a frame of size bytes made by EncodeFrame occupies: its
// pool class's capacity for a pooled frame, else size. Bounds on queued frames count this.
func FrameFootprint(size int) int {
	if size < PooledFrameMin {
		return size
	}
	for _, c := range bufferClasses {
		if size <= c {
			return c
		}
	}
	return size
}

// Encode frames an envelope around msg into f, ready to be sent on one stream or many and
// never to be changed: from PooledFrameMin bytes on into a buffer of the package's pool, else
// into a new buffer (EncodeSmallInto puts a small one into storage of the caller's). A pooled
// frame's buffer goes back to the pool once gRPC has written every send of it and Done has
// been called; call Done once the frame will not be sent again (for other frames Done does
// nothing). The counted buffer gRPC takes is made here, before the
// frame can be shared, so that sends from many goroutines only read the frame.
func (f *Frame) Encode(id uint64, method string, st *spb.Status, entries []Entry, msg proto.Message) error {
	e, err := newEnvelope(id, method, st, entries, msg)
	if err != nil {
		return err
	}
	return f.encode(nil, &e)
}

// EncodeSmallInto frames an envelope around msg, as Encode does: into buf's capacity and the
// frame small when it fits, else into a new frame. It returns the frame it used. small's
// storage may be reused once the frame has been sent, so small must never be handed to gRPC
// (which may read a message after SendMsg returns): only copied, into a batch or into a frame
// of its own.
func EncodeSmallInto(small *Frame, buf []byte, id uint64, method string, st *spb.Status, entries []Entry, msg proto.Message) (*Frame, error) {
	e, err := newEnvelope(id, method, st, entries, msg)
	if err != nil {
		return nil, err
	}
	f := small
	if e.size > cap(buf) {
		f = new(Frame)
	}
	if err := f.encode(buf, &e); err != nil {
		return nil, err
	}
	return f, nil
}

// encode frames e into f: into small's capacity when it fits, else as Encode says.
func (f *Frame) encode(small []byte, e *envelope) error {
	switch {
	case e.size <= cap(small):
		b, err := e.append(small[:0])
		if err != nil {
			return err
		}
		f.Init(b)
	case e.size < PooledFrameMin:
		b, err := e.append(make([]byte, 0, e.size))
		if err != nil {
			return err
		}
		f.Init(b)
	default:
		return f.encodePooled(e)
	}
	return nil
}

// encodePooled encodes e into a buffer of the pool and makes the counted buffer gRPC takes.
func (f *Frame) encodePooled(e *envelope) error {
	p := buffers.Get(e.size)
	b, err := e.append((*p)[:0])
	if err != nil {
		buffers.Put(p)
		return err
	}
	*p = b
	f.Bytes, f.pool = b, p
	f.pooled = mem.NewBuffer(p, &buffers) // counted: the class is above gRPC's threshold
	f.bufs[0] = f.pooled
	return nil
}

// Encoded is a frame encoded for one stream by EncodeReply: its bytes, in a buffer of their
// own or a pooled one. A frame that goes out with others is copied into their batch, and
// Release then gives a pooled buffer back; one that goes alone is sent with Send, which
// gives it back once gRPC is through with it.
type Encoded struct {
	Bytes []byte
	frame *Frame  // a large frame's pooled buffer, counted by gRPC
	small *[]byte // a small frame's pooled buffer, which gRPC does not count
}

// smallFrames holds the buffers of frames below PooledFrameMin that may be copied into a
// batch: they go back as soon as they are copied.
var smallFrames = sync.Pool{New: func() any { b := make([]byte, 0, PooledFrameMin); return &b }}

// EncodeReply frames an envelope around msg for one stream: a frame of PooledFrameMin bytes or
// more in a pooled buffer; a smaller one in a pooled small buffer if it will probably be copied
// into a batch (batched), else in a buffer of its own.
func EncodeReply(id uint64, method string, st *spb.Status, entries []Entry, msg proto.Message, batched bool) (Encoded, error) {
	e, err := newEnvelope(id, method, st, entries, msg)
	if err != nil {
		return Encoded{}, err
	}
	switch {
	case e.size >= PooledFrameMin:
		f := new(Frame)
		if err := f.encodePooled(&e); err != nil {
			return Encoded{}, err
		}
		return Encoded{Bytes: f.Bytes, frame: f}, nil
	case batched:
		p := smallFrames.Get().(*[]byte)
		b, err := e.append((*p)[:0])
		if err != nil {
			smallFrames.Put(p)
			return Encoded{}, err
		}
		return Encoded{Bytes: b, small: p}, nil
	}
	b, err := e.append(make([]byte, 0, e.size))
	return Encoded{Bytes: b}, err
}

// Footprint is the memory the frame holds: a pooled buffer's capacity, else its length.
func (e Encoded) Footprint() int {
	switch {
	case e.frame != nil:
		return FrameFootprint(len(e.Bytes))
	case e.small != nil:
		return PooledFrameMin
	}
	return len(e.Bytes)
}

// Release gives a pooled buffer back, once the frame's bytes have been copied or will not be
// sent. The bytes must not be used after.
func (e Encoded) Release() {
	switch {
	case e.frame != nil:
		e.frame.Done()
	case e.small != nil:
		*e.small = (*e.small)[:0]
		smallFrames.Put(e.small)
	}
}

// Send sends the frame alone with sendMsg (a stream's SendMsg) and gives its buffer back: a
// large frame's once gRPC has written it; a small pooled one's at once, its bytes copied for
// gRPC, which may write them after sendMsg returns. frame is the stream's reusable Frame for
// bytes of their own.
func (e Encoded) Send(sendMsg func(any) error, frame *Frame) error {
	switch {
	case e.frame != nil:
		err := sendMsg(e.frame) // gRPC holds a reference of its own until it has written it
		e.frame.Done()
		return err
	case e.small != nil:
		frame.Bytes = append([]byte(nil), e.Bytes...)
		e.Release()
	default:
		frame.Bytes = e.Bytes
	}
	err := sendMsg(frame)
	frame.Bytes = nil
	return err
}
