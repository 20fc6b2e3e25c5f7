package main

import (
	"sync"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
	"github.com/quorumcall/gorums/quorum"
)

// storageServer serves the storage example's service: registers by key, where a write wins
// if its timestamp is newer. Different clients' handlers run concurrently, hence the mutex.
type storageServer struct {
	mu     sync.Mutex
	states map[string]*storage.State // replaced, never modified, so they may be replies
}

func newStorageServer() *storageServer {
	return &storageServer{states: make(map[string]*storage.State)}
}

func (s *storageServer) Read(_ gorums.ServerCtx, in *storage.ReadRequest) (*storage.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[in.GetKey()]; ok {
		return st, nil
	}
	return &storage.State{Key: in.GetKey()}, nil
}

func (s *storageServer) Write(_ gorums.ServerCtx, in *storage.State) (*storage.WriteResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.GetTimestamp() <= s.states[in.GetKey()].GetTimestamp() {
		return &storage.WriteResponse{New: false}, nil
	}
	s.states[in.GetKey()] = in
	return &storage.WriteResponse{New: true}, nil
}

func (s *storageServer) ReadQC(ctx gorums.ServerCtx, in *storage.ReadRequest) (*storage.State, error) {
	return s.Read(ctx, in)
}

func (s *storageServer) WriteQC(ctx gorums.ServerCtx, in *storage.State) (*storage.WriteResponse, error) {
	return s.Write(ctx, in)
}

func (s *storageServer) WriteMulticast(ctx gorums.ServerCtx, in *storage.State) {
	_, _ = s.Write(ctx, in)
}

// qspec is a majority quorum, with the stock quorum functions of package quorum.
type qspec struct{ q quorum.Rule }

var _ storage.QuorumSpec = qspec{}

func (qs qspec) ReadQCQF(_ *storage.ReadRequest, replies map[uint32]*storage.State) (*storage.State, bool) {
	return quorum.Newest(replies, qs.q, (*storage.State).GetTimestamp)
}

func (qs qspec) WriteQCQF(_ *storage.State, replies map[uint32]*storage.WriteResponse) (*storage.WriteResponse, bool) {
	return quorum.Any(replies, qs.q)
}
