package logfield

import (
	"time"

	"go.uber.org/zap"
)

// Field names used in every log line Gorums writes.
const (
	KeyNodeID  = "node_id"
	KeyAddr    = "addr"
	KeyMethod  = "method"
	KeyMsgID   = "msg_id"
	KeyReplies = "replies"
	KeyErrors  = "errors"
	KeyQuorum  = "quorum"
	KeyLatency = "latency"
	KeyError   = "error"
	KeyNodes   = "nodes"
	KeyAttempt = "attempt"
	KeyBackoff = "backoff"
	KeyPanic   = "panic"
)

// NodeID is the node_id field.
func NodeID(id uint32) zap.Field { return zap.Uint32(KeyNodeID, id) }

// Addr is the addr field.
func Addr(addr string) zap.Field { return zap.String(KeyAddr, addr) }

// Method is the method field.
func Method(m string) zap.Field { return zap.String(KeyMethod, m) }

// MsgID is the msg_id field.
func MsgID(id uint64) zap.Field { return zap.Uint64(KeyMsgID, id) }

// Replies is the replies field: how many replies a call had.
func Replies(n int) zap.Field { return zap.Int(KeyReplies, n) }

// Errors is the errors field: how many nodes failed a call.
func Errors(n int) zap.Field { return zap.Int(KeyErrors, n) }

// Quorum is the quorum field: whether a call reached a quorum.
func Quorum(ok bool) zap.Field { return zap.Bool(KeyQuorum, ok) }

// Latency is the latency field.
func Latency(d time.Duration) zap.Field { return zap.Duration(KeyLatency, d) }

// Error is the error field.
func Error(err error) zap.Field { return zap.NamedError(KeyError, err) }

// Nodes is the nodes field: the IDs of the nodes a call went to.
func Nodes(ids []uint32) zap.Field { return zap.Uint32s(KeyNodes, ids) }

// Attempt is the attempt field: the number of a connection attempt.
func Attempt(n int) zap.Field { return zap.Int(KeyAttempt, n) }

// Backoff is the backoff field: how long until the next connection attempt.
func Backoff(d time.Duration) zap.Field { return zap.Duration(KeyBackoff, d) }

// Panic is the panic field: the value a recovered panic carried.
func Panic(v any) zap.Field { return zap.Any(KeyPanic, v) }
