package integration

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// `berth wait` on a container that its restart policy starts again
// returns at its first exit, with that exit's code, as docker's does
// (#24.4); it used to wait for ever.
func TestWaitReturnsAtFirstExitOfRestartingContainer(t *testing.T) {
	for _, policy := range []string{"always", "on-failure", "unless-stopped"} {
		t.Run(policy, func(t *testing.T) {
			c := name(t, "c")
			cleanup(t, c)
			ready := t.TempDir()
			// Exits 3 once the test has begun waiting (it creates go),
			// and at once on every restart after that.
			ok(t, "run", "-d", "--name", c, "--restart", policy, "-v", ready+":/sync", "busybox",
				"sh", "-c", "while [ ! -e /sync/go ]; do sleep 0.05; done; exit 3")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			wait := exec.CommandContext(ctx, berthBin, "--root", storeRoot, "wait", c)
			var out strings.Builder
			wait.Stdout = &out
			if err := wait.Start(); err != nil {
				t.Fatal(err)
			}
			// Whichever exit wait sees first after it began is one with
			// code 3.
			writeFile(t, ready+"/go", "")
			if err := wait.Wait(); err != nil {
				t.Fatalf("berth wait on a --restart=%s container: %v (stdout %q)", policy, err, out.String())
			}
			if got := strings.TrimSpace(out.String()); got != "3" {
				t.Fatalf("berth wait printed %q, want 3", got)
			}
		})
	}
}
