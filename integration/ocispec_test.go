package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
)

// TestOCISpecChangesNothing: `berth oci-spec` only reads. On a running
// container with a shareable /dev/shm it leaves the host's mounts as they
// were (it used to unmount and remount the tmpfs, so later joiners got an
// empty one); on a created container it leaves an empty volume empty (no
// copy-up before a start).
func TestOCISpecChangesNothing(t *testing.T) {
	t.Parallel()
	n, c, vol := name(t, "shm"), name(t, "created"), name(t, "vol")
	t.Cleanup(func() { berth(t, "volume", "rm", "-f", vol) }) // after the containers (cleanups run last first)
	cleanup(t, n, c)
	id := ok(t, "run", "-d", "--ipc", "shareable", "--name", n, "busybox", "sleep", "300")
	shm := filepath.Join(engine.RunRootFor(storeRoot), "c", id, "shm")
	before := mountsAt(t, shm)
	if len(before) != 1 {
		t.Fatalf("mounts at %s: %q", shm, before)
	}
	ok(t, "exec", n, "sh", "-c", "echo kept > /dev/shm/f")
	spec := ok(t, "oci-spec", n)
	if !strings.Contains(spec, shm) {
		t.Errorf("spec does not bind %s", shm)
	}
	if after := mountsAt(t, shm); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("oci-spec changed the mounts at %s:\n%q\n->\n%q", shm, before, after)
	}
	if data, err := os.ReadFile(filepath.Join(shm, "f")); err != nil || string(data) != "kept\n" {
		t.Errorf("the shared /dev/shm lost its file: %q, %v", data, err)
	}

	ok(t, "create", "--name", c, "-v", vol+":/etc", "busybox", "true")
	ok(t, "oci-spec", c)
	dir := ok(t, "volume", "inspect", "-f", "{{.Mountpoint}}", vol)
	if ents, err := os.ReadDir(dir); err != nil || len(ents) != 0 {
		t.Errorf("oci-spec of a created container filled its volume: %d entries, %v", len(ents), err)
	}
	ok(t, "start", c) // the start path copies up
	eventually(t, 30*time.Second, "the volume to receive the image's /etc", func() bool {
		ents, _ := os.ReadDir(dir)
		return len(ents) > 0
	})
}

// mountsAt lists the mountinfo lines of the mounts at path.
func mountsAt(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == path {
			out = append(out, l)
		}
	}
	return out
}
