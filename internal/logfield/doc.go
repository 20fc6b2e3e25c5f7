// Package logfield is the one place where the names of Gorums' structured log fields are
// fixed, so that every package logs the same facts under the same keys (node_id, addr, method,
// msg_id, replies, errors, quorum, latency, error, ...). It holds no state and starts no
// goroutine; its functions are safe for concurrent use.
package logfield
