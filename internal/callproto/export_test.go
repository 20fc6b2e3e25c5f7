package callproto

// HandOffs is how often a holder of the node's run token other than the node's goroutine
// handed the token to it, with messages it could not send without waiting.
func (n *NodeActor) HandOffs() int64 { return n.handOffs.Load() }

// Unread is how many bytes went out on the node's stream that the server has not shown read.
// It takes the run token: the node must not be stuck in a send.
func (n *NodeActor) Unread() int64 {
	n.runMu.Lock()
	defer n.runMu.Unlock()
	return n.state.sentBytes - n.readMark.Load()
}

// ReceiptAfter is how many bytes may go out unshown before the node asks for a read receipt.
const ReceiptAfter = receiptAfter
