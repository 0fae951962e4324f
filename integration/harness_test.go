package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/testutil"
)

var (
	berthBin  string // the binary under test
	storeRoot string // the store every test here shares
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		return m.Run() // each test reports RequiresRoot itself
	}
	tmp, err := os.MkdirTemp("", "berth-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	berthBin = os.Getenv("BERTH_BINARY")
	if berthBin == "" {
		berthBin = filepath.Join(tmp, "berth")
		build := exec.Command("go", "build", "-tags", "seccomp", "-o", berthBin, "../cmd/berth")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building berth:", err)
			return 1
		}
	}
	storeRoot = filepath.Join(tmp, "store")
	if out, err := exec.Command(berthBin, "--root", storeRoot, "bootstrap").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "berth bootstrap: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	dropStore(storeRoot)
	if reportLeaks() && code == 0 {
		fmt.Fprintln(os.Stderr, "FAIL: the suite left its stores' run directories, bridges or rules on the host (see leak: lines)")
		code = 1
	}
	return code
}

// removeStore stops and removes every container of a store, waits for
// their shims to finish, and deletes its volatile run directory (its
// bridges stay until the store is deleted: see dropStore).
func removeStore(root string) {
	if out, err := exec.Command(berthBin, "--root", root, "ps", "-aq").Output(); err == nil {
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			exec.Command(berthBin, append([]string{"--root", root, "rm", "-f"}, ids...)...).Run()
		}
	}
	waitShimsDone(root)
	os.RemoveAll(engine.RunRootFor(root))
	// Its cgroup parent, named as its run directory (berth's own sweep
	// does this for a store deleted outside a test).
	for _, d := range cgroupDirsNamed(filepath.Base(engine.RunRootFor(root))) {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if e.IsDir() {
				syscall.Rmdir(filepath.Join(d, e.Name()))
			}
		}
		syscall.Rmdir(d)
	}
}

// tempStore is an empty store of the test's own, dropped when it ends.
func tempStore(t *testing.T) string {
	root := t.TempDir()
	t.Cleanup(func() { dropStore(root) })
	return root
}

// result is what one berth invocation did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// berth runs the binary on the shared store with a 2-minute limit.
func berth(t *testing.T, args ...string) result {
	t.Helper()
	return berthIn(t, "", args...)
}

// berthIn runs the binary with stdin.
func berthIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	testutil.RequiresRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, append([]string{"--root", storeRoot}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("berth %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ok runs berth and fails the test unless it exits 0; it returns stdout, trimmed.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := berth(t, args...)
	if r.code != 0 {
		t.Fatalf("berth %s: %v", strings.Join(args, " "), r)
	}
	return strings.TrimSpace(r.stdout)
}

// fails runs berth, expects exit code want and one stderr line containing each of msgs.
func fails(t *testing.T, want int, msgs []string, args ...string) result {
	t.Helper()
	r := berth(t, args...)
	if r.code != want {
		t.Fatalf("berth %s: want exit %d, got %v", strings.Join(args, " "), want, r)
	}
	for _, m := range msgs {
		if !strings.Contains(r.stderr, m) {
			t.Errorf("berth %s: stderr %q lacks %q", strings.Join(args, " "), r.stderr, m)
		}
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); len(msgs) > 0 && n > 0 {
		t.Errorf("berth %s: error is %d lines, want one: %q", strings.Join(args, " "), n+1, r.stderr)
	}
	return r
}

// name returns a container name unique to this test.
func name(t *testing.T, suffix string) string {
	n := strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())
	return strings.ToLower(n) + "-" + suffix
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inspectField reads one field through --format.
func inspectField(t *testing.T, ref, tmpl string) string {
	t.Helper()
	return ok(t, "inspect", "-f", tmpl, ref)
}

// cleanup removes containers when the test ends.
func cleanup(t *testing.T, refs ...string) {
	t.Cleanup(func() {
		exec.Command(berthBin, append([]string{"--root", storeRoot, "rm", "-f"}, refs...)...).Run()
	})
}
