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
// the filter a kept program gives must block what docker's profile blocks at
// the first start (compiled by the helper), the next one (kept), and in an
// exec. A kept file that does not check out (garbage, cut short, a
// one-instruction "allow" beside the right fingerprint, a wrong digest) is
// compiled again and replaced: never a failed start. Nothing a container's
// init sees is written back.
func TestSeccompProgramKept(t *testing.T) {
	blocked := func(args ...string) {
		t.Helper()
		r := berth(t, args...)
		if r.code == 0 || r.code == 125 || !strings.Contains(r.stderr+r.stdout, "Operation not permitted") {
			t.Fatalf("unshare -U under docker's profile (berth %s): %v", strings.Join(args, " "), r)
		}
	}
	run := []string{"run", "--rm", "--network", "none", "busybox", "unshare", "-U", "true"}
	// Only this profile's program, the one a start with it keeps.
	cache := filepath.Join(engine.RunRootFor(storeRoot), "seccomp")
	os.RemoveAll(cache)
	blocked(run...)
	kept := keptPrograms(t, cache)
	blocked(run...)
	for p, b := range kept {
		if now, _ := os.ReadFile(p); !bytes.Equal(now, b) {
			t.Fatalf("kept program %s changed by a start that found it", filepath.Base(p))
		}
	}

	const headerSize = 8 + 1 + 32 + 32 // format.go in internal/seccompcache
	allow := []byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}
	for _, damage := range []struct {
		name string
		fn   func([]byte) []byte
	}{
		{"garbage", func([]byte) []byte { return bytes.Repeat([]byte("garbage!"), 20) }},
		{"truncated", func(b []byte) []byte { return b[:len(b)-13] }},
		{"one-instruction allow, right fingerprint", func(b []byte) []byte {
			return append(append([]byte{}, b[:headerSize]...), allow...)
		}},
		{"wrong digest", func(b []byte) []byte {
			c := append([]byte{}, b...)
			c[headerSize-1] ^= 1
			return c
		}},
	} {
		for p, b := range kept {
			if err := os.WriteFile(p, damage.fn(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		blocked(run...)
		for p, b := range kept {
			if now, _ := os.ReadFile(p); !bytes.Equal(now, b) {
				t.Errorf("%s: the kept program was not replaced by a fresh compile", damage.name)
			}
		}
	}

	// exec: its init reads the staged program of the container. Damaged,
	// it is not used (the exec compiles, blocked as ever) and nothing is
	// written back to it.
	n := name(t, "seccomp")
	id := ok(t, "run", "-d", "--name", n, "--network", "none", "busybox", "sleep", "60")
	defer cleanup(t, n)
	blocked("exec", n, "unshare", "-U", "true")
	staged := filepath.Join(engine.RunRootFor(storeRoot), "c", id, "seccomp.bpf")
	good, err := os.ReadFile(staged)
	if err != nil || len(good) <= headerSize {
		t.Fatalf("staged program of %s: %d bytes, %v", n, len(good), err)
	}
	bad := append(append([]byte{}, good[:headerSize]...), allow...)
	if err := os.WriteFile(staged, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	blocked("exec", n, "unshare", "-U", "true")
	if now, _ := os.ReadFile(staged); !bytes.Equal(now, bad) {
		t.Error("the exec's init wrote to the staged program")
	}

	// Without a profile nothing is staged, and nothing blocks.
	ok(t, "run", "--rm", "--network", "none", "--security-opt", "seccomp=unconfined", "busybox", "unshare", "-U", "true")
}
