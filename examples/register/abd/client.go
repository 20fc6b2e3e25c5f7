package abd

import (
	"context"
	"fmt"
	"sync"

	"github.com/quorumcall/gorums/examples/register/proto"
)

// Client reads and writes the register with the ABD algorithm on a configuration whose
// QuorumSpec is a majority (NewMajorityQSpec). Its operations run one at a time.
type Client struct {
	cfg *proto.Configuration
	id  uint32

	mu     sync.Mutex // held for a whole operation, so that operations do not overlap
	lastTS int64      // the greatest timestamp this client has written with
}

// NewClient returns a client on cfg with writer ID id. Every client writing to the same
// register must have its own ID: the ID breaks ties between writes with equal timestamps.
func NewClient(cfg *proto.Configuration, id uint32) *Client {
	return &Client{cfg: cfg, id: id}
}

// ID returns the client's writer ID.
func (c *Client) ID() uint32 { return c.id }

// Read returns the register's value: it reads the greatest-tag value from a quorum, then
// writes it back to a quorum before returning it. If Read fails, the register is unchanged
// (a write-back never replaces a value with an older one).
func (c *Client) Read(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.cfg.Read(ctx, &proto.ReadRequest{})
	if err != nil {
		return "", fmt.Errorf("abd: read phase: %w", err)
	}
	if _, err := c.cfg.Write(ctx, v); err != nil {
		return "", fmt.Errorf("abd: write-back phase: %w", err)
	}
	return v.GetValue(), nil
}

// Write sets the register to value: it reads the greatest timestamp from a quorum, then
// writes value to a quorum with the tag (timestamp+1, ID). If Write fails, value may or may
// not have been written, and may yet become the register's value later.
func (c *Client) Write(ctx context.Context, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, err := c.cfg.Read(ctx, &proto.ReadRequest{})
	if err != nil {
		return fmt.Errorf("abd: read phase: %w", err)
	}
	// A failed earlier write of ours may have reached some replica with a tag the quorum
	// just read does not show; never reuse a tag, or two values could share it.
	ts := max(cur.GetTimestamp(), c.lastTS) + 1
	c.lastTS = ts
	if _, err := c.cfg.Write(ctx, &proto.Value{Value: value, Timestamp: ts, Writer: c.id}); err != nil {
		return fmt.Errorf("abd: write phase: %w", err)
	}
	return nil
}
