package integration

import (
	"os"
	"os/exec"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
)

// TestTUIEndToEnd drives the real workbench in tmux (scripts/tui-e2e.sh):
// a new container appears, a shell opens and answers `hostname`, `exit`
// comes back to the list, the container is stopped from it, its row shows
// CPU and memory, a crashed container is debugged with one key, the
// first lesson is passed up to step 4 the way its pane says (e, hostname,
// exit), a berth command pasted into `:` shows its output, 100 marked
// containers are removed with one prompt, busybox is tagged (T) and pushed
// (P) to a `berth registry serve` on loopback, a compose project's and a
// `kube play` pod's group rows stop their containers, and the Events view
// finds events by text (/) and shows a volume's create and destroy.
func TestTUIEndToEnd(t *testing.T) {
	testutil.RequiresRoot(t)
	testutil.RequiresCommand(t, "tmux")
	root := tempStore(t)
	cmd := exec.Command("../scripts/tui-e2e.sh")
	cmd.Env = append(os.Environ(), "BERTH="+berthBin, "BERTH_ROOT="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/tui-e2e.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
