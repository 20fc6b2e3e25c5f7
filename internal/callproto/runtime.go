package callproto

import (
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Runtime is what the calls on one manager's nodes share: the message ID counter and the
// manager's settings for calls. Its fields are set when the manager is made and only read
// after; IDs is safe for concurrent use.
type Runtime struct {
	IDs         MsgIDs
	Logger      *zap.Logger
	DialTimeout time.Duration // NewConfiguration waits this long for new nodes; 0: no wait
	Closed      atomic.Bool   // the manager has closed
	// Interceptors holds the manager's client interceptors, a []manager.ClientInterceptor
	// (typed any: this package is below manager); nil if there are none.
	Interceptors any
}
