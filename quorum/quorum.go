package quorum

import "cmp"

// Rule says how many replies make a quorum. Make one with Majority, Threshold, All or First;
// a Rule below 1 counts as 1.
type Rule int

// First is reached by the first reply.
const First Rule = 1

// Majority is reached by more than half of n replies: n/2+1.
func Majority(n int) Rule { return Rule(n/2 + 1) }

// Threshold is reached by k replies.
func Threshold(k int) Rule { return Rule(k) }

// All is reached when all n nodes replied.
func All(n int) Rule { return Rule(n) }

// Reached reports whether replies replies make a quorum.
func (r Rule) Reached(replies int) bool { return replies >= max(int(r), 1) }

// Any returns the reply of the lowest node ID once the replies reach r. Use it when every
// reply will do, as for acknowledgements.
func Any[Resp any](replies map[uint32]Resp, r Rule) (Resp, bool) {
	if !r.Reached(len(replies)) {
		var zero Resp
		return zero, false
	}
	return replies[lowestID(replies)], true
}

// Newest returns the reply with the largest key once the replies reach r; of replies with
// equal keys, that of the lowest node ID. Use it to read the newest state by its timestamp
// or version.
func Newest[Resp any, K cmp.Ordered](replies map[uint32]Resp, r Rule, key func(Resp) K) (Resp, bool) {
	if !r.Reached(len(replies)) {
		var zero Resp
		return zero, false
	}
	return newest(replies, key), true
}

// MostFrequent returns, once the replies reach r, a reply whose key the most replies share;
// of keys shared equally often, the one a lower node ID sent, and of the replies with that key,
// that of the lowest node ID.
func MostFrequent[Resp any, K comparable](replies map[uint32]Resp, r Rule, key func(Resp) K) (Resp, bool) {
	if !r.Reached(len(replies)) {
		var zero Resp
		return zero, false
	}
	reply, _ := mostFrequent(replies, key)
	return reply, true
}

// Matching returns a reply once r replies share its key, such as f+1 matching replies of
// which at least one comes from a correct node. If several keys have r replies (possible
// when r is at most half of the nodes) it returns the one the most replies share, as
// MostFrequent does. If the replies never match enough, the call ends incomplete when every
// node has answered.
func Matching[Resp any, K comparable](replies map[uint32]Resp, r Rule, key func(Resp) K) (Resp, bool) {
	reply, count := mostFrequent(replies, key)
	if !r.Reached(count) {
		var zero Resp
		return zero, false
	}
	return reply, true
}

// Quorum functions of correctable calls return a result at every level: the level says how
// good it is, and done ends the call.

// CorrectableAny is Any for correctable calls: the reply of the lowest node ID, at the level
// of the number of replies, done once they reach r.
func CorrectableAny[Resp any](replies map[uint32]Resp, r Rule) (reply Resp, level int, done bool) {
	if len(replies) == 0 {
		return reply, 0, false
	}
	return replies[lowestID(replies)], len(replies), r.Reached(len(replies))
}

// CorrectableNewest is Newest for correctable calls: the newest reply so far, at the level of
// the number of replies, done once they reach r.
func CorrectableNewest[Resp any, K cmp.Ordered](replies map[uint32]Resp, r Rule, key func(Resp) K) (reply Resp, level int, done bool) {
	if len(replies) == 0 {
		return reply, 0, false
	}
	return newest(replies, key), len(replies), r.Reached(len(replies))
}

// CorrectableMostFrequent is MostFrequent for correctable calls: the most frequent reply so
// far, at the level of the number of replies, done once they reach r.
func CorrectableMostFrequent[Resp any, K comparable](replies map[uint32]Resp, r Rule, key func(Resp) K) (reply Resp, level int, done bool) {
	reply, _ = mostFrequent(replies, key)
	return reply, len(replies), r.Reached(len(replies))
}

// CorrectableMatching is Matching for correctable calls: the most frequent reply so far, at
// the level of the number of replies that share its key, done once they reach r.
func CorrectableMatching[Resp any, K comparable](replies map[uint32]Resp, r Rule, key func(Resp) K) (reply Resp, level int, done bool) {
	reply, count := mostFrequent(replies, key)
	return reply, count, count > 0 && r.Reached(count)
}

// lowestID returns the lowest node ID of replies, which is not empty.
func lowestID[Resp any](replies map[uint32]Resp) uint32 {
	first, low := true, uint32(0)
	for id := range replies {
		if first || id < low {
			first, low = false, id
		}
	}
	return low
}

// newest returns the reply with the largest key, of equal keys that of the lowest node ID;
// replies is not empty.
func newest[Resp any, K cmp.Ordered](replies map[uint32]Resp, key func(Resp) K) Resp {
	var (
		bestID  uint32
		bestKey K
		found   bool
	)
	for id, reply := range replies {
		k := key(reply)
		// cmp.Compare, not ==: NaN keys are equal to each other there, so ties among them
		// are broken by node ID too.
		if c := cmp.Compare(k, bestKey); !found || c > 0 || (c == 0 && id < bestID) {
			bestID, bestKey, found = id, k, true
		}
	}
	return replies[bestID]
}

// mostFrequent returns a reply whose key the most replies share, and how many share it. Of
// keys shared equally often it takes the one with the lowest node ID among its senders, and
// returns that node's reply. It returns the zero Resp and 0 for no replies.
func mostFrequent[Resp any, K comparable](replies map[uint32]Resp, key func(Resp) K) (Resp, int) {
	type group struct {
		count int
		lowID uint32
	}
	groups := make(map[K]group, len(replies))
	for id, reply := range replies {
		k := key(reply)
		g, ok := groups[k]
		if !ok {
			g.lowID = id
		}
		g.count++
		g.lowID = min(g.lowID, id)
		groups[k] = g
	}
	var best group
	for _, g := range groups {
		if g.count > best.count || (g.count == best.count && g.lowID < best.lowID) {
			best = g
		}
	}
	if best.count == 0 {
		var zero Resp
		return zero, 0
	}
	return replies[best.lowID], best.count
}
