// Package quorum has stock quorum functions, so that a QuorumSpec method is one line. A Rule
// says how many replies make a quorum; a function says which reply the call returns:
//
//	type QSpec struct{ q quorum.Rule }
//
//	func (qs QSpec) ReadQCQF(_ *ReadRequest, replies map[uint32]*State) (*State, bool) {
//		return quorum.Newest(replies, qs.q, (*State).GetTimestamp) // the newest state of a quorum
//	}
//
//	func (qs QSpec) WriteQCQF(_ *State, replies map[uint32]*WriteResponse) (*WriteResponse, bool) {
//		return quorum.Any(replies, qs.q) // any acknowledgement, once a quorum acknowledged
//	}
//
//	cfg, err := mgr.NewConfiguration(QSpec{q: quorum.Majority(len(addrs))}, gorums.WithNodeList(addrs))
//
// The rules: Majority(n) (n/2+1 replies), Threshold(k), First (one reply) and All(n). The
// quorum functions, each returning (reply, done) as a quorum call's function does:
//
//   - Any: the reply of the lowest node ID, once the replies reach the rule;
//   - Newest: the reply with the largest key, such as a timestamp or version;
//   - MostFrequent: a reply whose key the most replies share, once the replies reach the rule;
//   - Matching: a reply once the rule's number of replies share its key, as a Byzantine
//     fault-tolerant read waits for f+1 matching replies.
//
// Correctable calls take CorrectableAny, CorrectableNewest, CorrectableMostFrequent and
// CorrectableMatching, which return (reply, level, done): the best reply so far, at the level
// of the number of replies (for CorrectableMatching, of the replies that match it), done once
// the rule is reached.
//
// A reply's key comes from a function of the reply, usually a getter as a method expression
// such as (*State).GetTimestamp. Keys are ordered as cmp.Compare orders them (a float NaN
// below every other value, and equal to another NaN). Ties are broken by the lowest node ID,
// so the result depends
// on the replies alone, never on the order a map is walked in; a function returns the reply
// of one node as it is, never a merged or copied one.
//
// The functions keep no state and only read the replies map: they are safe for concurrent
// use, as the runtime calls a configuration's quorum functions from many calls at once.
package quorum
