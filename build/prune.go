package build

import "time"

// PruneSet chooses the step images a prune of the build cache removes,
// from the index alone. needed says whether a tag or a container needs a
// step image itself; result whether it is the final image of a build
// (an image, listed and pruned as one, never build cache). Without all,
// as `docker builder prune`, only dangling cache goes: the ancestors of
// a needed image are kept, so that rebuilding what is tagged or running
// stays cached (an old build's untagged result does not keep its steps). With all (-a) every step image that is not needed
// itself goes. A non-zero until keeps the records created at or after
// it (--filter until=).
func PruneSet(steps []Step, needed, result func(Step) bool, all bool, until time.Time) []Step {
	byID := map[string]Step{}
	for _, s := range steps {
		byID[s.ID] = s
	}
	keep := map[string]bool{}
	for _, s := range steps {
		if result(s) {
			keep[s.ID] = true // an image, not cache
		}
		if !needed(s) {
			continue
		}
		keep[s.ID] = true
		if all {
			continue
		}
		for p, ok := byID[s.Parent]; ok && !keep[p.ID]; p, ok = byID[p.Parent] {
			keep[p.ID] = true
		}
	}
	var out []Step
	for _, s := range steps {
		if keep[s.ID] || (!until.IsZero() && !s.Created.Before(until)) {
			continue
		}
		out = append(out, s)
	}
	return out
}
