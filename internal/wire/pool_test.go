package wire

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestPooledFramesGoBackAfterWrite sends batches in pooled frames over a real gRPC stream, as
// fast as SendMsg returns, so that buffers go back to the pool and are reused while gRPC may
// still be writing earlier ones. The server must read every envelope intact and in order, and
// the buffers must come back to the pool.
func TestPooledFramesGoBackAfterWrite(t *testing.T) {
	var puts atomic.Int64
	hook := func() { puts.Add(1) }
	putHook.Store(&hook)
	t.Cleanup(func() { putHook.Store(nil) })

	const batches, perBatch = 300, 5
	payload := func(b, e int) []byte {
		// Large enough that some batches take a bigger class than the smallest.
		return bytes.Repeat([]byte(fmt.Sprintf("%d.%d;", b, e)), 1+(b%7)*40)
	}
	got := make(chan error, 1)
	srv := grpc.NewServer()
	srv.RegisterService(ServiceDesc(func(_ any, ss grpc.ServerStream) error {
		m := Message{AcceptBatches: true, MethodOf: func(b []byte) string { return string(b) }}
		var err error
		for b := 0; b < batches && err == nil; b++ {
			if err = ss.RecvMsg(&m); err != nil {
				break
			}
			for e := 0; e < perBatch && err == nil; e++ {
				if e > 0 && !m.Next() {
					err = fmt.Errorf("batch %d: %d envelopes, want %d", b, e, perBatch)
					break
				}
				var v wrapperspb.BytesValue
				switch {
				case m.DecodeErr != nil:
					err = m.DecodeErr
				case m.MessageID != uint64(b*perBatch+e):
					err = fmt.Errorf("batch %d envelope %d: message ID %d", b, e, m.MessageID)
				case proto.Unmarshal(m.Payload, &v) != nil:
					err = fmt.Errorf("batch %d envelope %d: payload does not parse", b, e)
				case !bytes.Equal(v.Value, payload(b, e)):
					err = fmt.Errorf("batch %d envelope %d: payload differs", b, e)
				}
			}
			m.Release()
		}
		got <- err
		return err
	}), nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := conn.NewStream(ctx, &StreamDesc, FullMethod, grpc.CallContentSubtype(CodecName))
	if err != nil {
		t.Fatal(err)
	}
	for b := range batches {
		var envs [][]byte
		size := 0
		for e := range perBatch {
			env, err := Encode(uint64(b*perBatch+e), "m", nil, nil, wrapperspb.Bytes(payload(b, e)))
			if err != nil {
				t.Fatal(err)
			}
			envs, size = append(envs, env), BatchAdd(size, len(env))
		}
		f := NewPooledFrame(size)
		f.Bytes = StartBatch(f.Bytes)
		for _, env := range envs {
			f.Bytes = AppendToBatch(f.Bytes, env)
		}
		err := st.SendMsg(f)
		f.Done()
		if err != nil {
			t.Fatalf("batch %d: %v", b, err)
		}
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the server did not read every batch")
	}
	// Every batch was written (the server read it), so gRPC has let go of every buffer.
	if n := puts.Load(); n < batches {
		t.Errorf("%d of %d pooled buffers went back to the pool", n, batches)
	}
}
