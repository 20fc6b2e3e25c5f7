package callproto

import (
	"context"

	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/metadata"

	"github.com/quorumcall/gorums/internal/logfield"
)

// awaitStream is the connection watcher's loop: it waits for the connection to be ready,
// opens a stream and posts it to the actor. Only NewStream may block on the connection, and
// it blocks only the watcher. It returns once a stream is posted or the node is closing.
func (a *actorState) awaitStream(ctx context.Context, md metadata.MD) {
	for {
		for st := a.conn.GetState(); st != connectivity.Ready; st = a.conn.GetState() {
			switch st {
			case connectivity.Shutdown:
				return
			case connectivity.Idle:
				a.conn.Connect()
			}
			if !a.conn.WaitForStateChange(ctx, st) {
				return // the node is closing
			}
		}
		stream, cancel, err := a.openStream(ctx, md)
		if err != nil {
			a.node.setLastErr(err) // the connection broke again; wait for the next one
			a.node.log.Warn("connection attempt failed", logfield.Error(err))
			if a.conn.GetState() == connectivity.Ready && !a.conn.WaitForStateChange(ctx, connectivity.Ready) {
				return // no spinning on a connection that stays ready but takes no stream
			}
			continue
		}
		a.post(ctx, nodeMsg{kind: msgOpened, stream: stream, cancel: cancel})
		return
	}
}
