package engine

import (
	"os"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
)

// The warm-up write moves the process into the cgroups it is in: nothing
// about its membership changes.
func TestWarmCgroupAttachChangesNothing(t *testing.T) {
	testutil.RequiresRoot(t)
	before, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	warmCgroupAttach()
	after, _ := os.ReadFile("/proc/self/cgroup")
	if string(before) != string(after) {
		t.Fatalf("cgroups changed:\n%s\nto\n%s", before, after)
	}
}
