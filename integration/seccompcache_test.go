package integration

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/engine"
)

// The compiled seccomp program is kept between starts (internal/seccompcache):
// the filter a kept program gives must block what docker's profile blocks,
// at the first start (compiled), the next one (kept), after the kept program
// was damaged (compiled again), and in an exec.
func TestSeccompProgramKept(t *testing.T) {
	blocked := func(args ...string) {
		t.Helper()
		r := berth(t, args...)
		if r.code == 0 || !strings.Contains(r.stderr+r.stdout, "Operation not permitted") {
			t.Fatalf("unshare -U under docker's profile (berth %s): %v", strings.Join(args, " "), r)
		}
	}
	run := []string{"run", "--rm", "--network", "none", "busybox", "unshare", "-U", "true"}
	blocked(run...)
	cache := filepath.Join(engine.RunRootFor(storeRoot), "seccomp")
	progs, _ := filepath.Glob(filepath.Join(cache, "*"))
	if len(progs) == 0 {
		t.Fatalf("no program kept in %s", cache)
	}
	kept := map[string][]byte{}
	for _, p := range progs {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 40 || (len(b)-32)%8 != 0 {
			t.Fatalf("kept program %s: %d bytes, %v", p, len(b), err)
		}
		kept[p] = b
	}
	blocked(run...)

	// Damaged (a program of the right shape for no filter): it is not
	// used, the filter is compiled again and the right program kept.
	for p := range kept {
		if err := os.WriteFile(p, make([]byte, 32+8*4), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	blocked(run...)
	restored := false
	for p, b := range kept {
		now, _ := os.ReadFile(p)
		restored = restored || bytes.Equal(now, b)
	}
	if !restored {
		t.Error("the damaged program was not replaced by the compiled one")
	}

	// exec starts a process under the same filter, and its init (which
	// joins the container's mount namespace before Go runs) reaches the
	// staged program: damaged, an exec compiles and writes it back.
	n := name(t, "seccomp")
	id := ok(t, "run", "-d", "--name", n, "--network", "none", "busybox", "sleep", "60")
	defer cleanup(t, n)
	blocked("exec", n, "unshare", "-U", "true")
	staged := filepath.Join(engine.RunRootFor(storeRoot), "c", id, "seccomp.bpf")
	good, err := os.ReadFile(staged)
	if err != nil || len(good) < 40 {
		t.Fatalf("staged program of %s: %d bytes, %v", n, len(good), err)
	}
	if err := os.WriteFile(staged, make([]byte, 32+8*4), 0o600); err != nil {
		t.Fatal(err)
	}
	blocked("exec", n, "unshare", "-U", "true")
	if now, _ := os.ReadFile(staged); !bytes.Equal(now, good) {
		t.Error("the exec's init did not write the compiled program back to the staged file")
	}

	// Without a profile nothing is staged, and nothing blocks.
	ok(t, "run", "--rm", "--network", "none", "--security-opt", "seccomp=unconfined", "busybox", "unshare", "-U", "true")
}
