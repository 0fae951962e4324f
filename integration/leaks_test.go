package integration

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
)

// TestCgroupLeakSwept: the store's cgroups (<its parent>/<id>) of a
// container that no longer exists, or that exists but does not run (what
// a shim killed during start leaves), are removed at the next berth
// command, in every hierarchy; another store's, which this store cannot
// judge, are neither removed nor reported by its check.
func TestCgroupLeakSwept(t *testing.T) {
	t.Parallel()
	n := name(t, "c")
	cleanup(t, n)
	created := ok(t, "create", "--name", n, "busybox", "true")
	gone := strings.Repeat("e1", 32)
	parent := filepath.Base(engine.RunRootFor(storeRoot))
	other := strings.Repeat("e2", 32)
	var planted, others []string
	for _, dir := range ownCgroupDirs(t) {
		for _, id := range []string{gone, created} {
			d := filepath.Join(dir, parent, id)
			if err := os.MkdirAll(d, 0o755); err == nil {
				planted = append(planted, d)
			}
		}
		d := filepath.Join(dir, "berth-0t0t0t0t0t0t", other)
		if err := os.MkdirAll(d, 0o755); err == nil {
			others = append(others, d)
		}
	}
	if len(planted) == 0 {
		t.Fatal("no cgroup hierarchy to plant in")
	}
	t.Cleanup(func() {
		for _, d := range append(planted, others...) {
			syscall.Rmdir(d)
			syscall.Rmdir(filepath.Dir(d))
		}
	})
	if r := berth(t, "system", "check"); strings.Contains(r.stdout, other[:12]) {
		t.Errorf("check reports another store's cgroup:\n%s", r.stdout)
	}
	ok(t, "ps")
	for _, d := range planted {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("leaked cgroup %s survived reconcile", d)
		}
	}
	for _, d := range others {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("another store's cgroup %s was removed", d)
		}
	}
}

// ownCgroupDirs is this process's cgroup directory in every hierarchy.
func ownCgroupDirs(t *testing.T) []string {
	own := map[string]string{} // controllers -> path
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if p := strings.SplitN(l, ":", 3); len(p) == 3 {
			own[strings.TrimPrefix(p[1], "name=")] = p[2]
		}
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		for i, x := range fl {
			if x != "-" || i+3 >= len(fl) {
				continue
			}
			switch fl[i+1] {
			case "cgroup2":
				out = append(out, filepath.Join(fl[4], own[""]))
			case "cgroup":
				for k, p := range own {
					if k != "" && strings.Contains(","+fl[i+3]+",", ","+strings.Split(k, ",")[0]+",") {
						out = append(out, filepath.Join(fl[4], p))
						break
					}
				}
			}
		}
	}
	return out
}

// TestSaveKilledLeavesNothing: save -o killed at any moment leaves no
// temporary file beside the destination, and never a partial archive at
// it.
func TestSaveKilledLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "img.tar")
	for i := 0; i < 8; i++ {
		cmd := exec.Command(berthBin, "--root", storeRoot, "save", "-o", out, "busybox")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i*15) * time.Millisecond) // a different moment each round, not a wait
		cmd.Process.Kill()
		cmd.Wait()
		entries, _ := os.ReadDir(dir)
		for _, ent := range entries {
			if ent.Name() != "img.tar" {
				t.Fatalf("round %d: %s left beside the destination", i, ent.Name())
			}
		}
		if _, err := os.Stat(out); err == nil {
			if r := berth(t, "--root", tempStore(t), "load", "-i", out); r.code != 0 {
				t.Fatalf("round %d: a partial archive at the destination: %v", i, r)
			}
			os.Remove(out)
		}
	}
}
