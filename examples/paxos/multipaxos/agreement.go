package multipaxos

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// CheckAgreement checks the safety of the log over the states of a group's replicas, by
// replica ID, crashed replicas included: no replica learned a second value for a decided
// slot, every slot decided anywhere has one value everywhere it is decided, no value is
// decided in two slots, and every value in acked (what clients were told: value to slot) is
// decided in the slot its client was told. It returns the union of the logs, and every
// violation found, joined.
func CheckAgreement(states map[uint32]*State, acked map[string]uint64) (map[uint64]string, error) {
	var errs []error
	union := make(map[uint64]string)
	for _, id := range slices.Sorted(maps.Keys(states)) {
		s := states[id]
		if c := s.Conflicts(); len(c) > 0 {
			errs = append(errs, fmt.Errorf("replica %d learned conflicting decisions: %v", id, c))
		}
		for slot, v := range s.Log() {
			if have, ok := union[slot]; ok && have != v {
				errs = append(errs, fmt.Errorf("slot %d holds %q on one replica and %q on replica %d", slot, have, v, id))
			}
			union[slot] = v
		}
	}
	slotOf := make(map[string]uint64, len(union))
	for slot, v := range union {
		if other, ok := slotOf[v]; ok {
			errs = append(errs, fmt.Errorf("%q decided in slots %d and %d", v, other, slot))
		}
		slotOf[v] = slot
	}
	for v, slot := range acked {
		if got, ok := slotOf[v]; !ok || got != slot {
			errs = append(errs, fmt.Errorf("%q was acknowledged in slot %d, but the logs have it in slot %d (found: %v)", v, slot, got, ok))
		}
	}
	return union, errors.Join(errs...)
}
