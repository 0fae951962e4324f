package integration

import (
	"strings"
	"testing"
)

// TestStopAutoRemove: stop of a --rm -d container succeeds, although the
// container is gone by the time the stop has waited for it (stop used to
// look the ID up again and fail with `container "<id>": not found`, 2 of
// 8 times).
func TestStopAutoRemove(t *testing.T) {
	t.Parallel()
	for i := range 12 {
		id := ok(t, "run", "--rm", "-d", "busybox", "sleep", "300")
		if r := berth(t, "stop", "-t", "0", id); r.code != 0 || strings.TrimSpace(r.stdout) != id {
			t.Fatalf("round %d: stop of a --rm container: %v", i, r)
		}
		if r := berth(t, "inspect", id); r.code == 0 {
			t.Fatalf("round %d: %s is still there after stop", i, id[:12])
		}
	}
}
