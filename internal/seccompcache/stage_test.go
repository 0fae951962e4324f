package seccompcache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/seccomp"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// TestMain lets this test binary be the compile helper Stage runs, as the
// berth binary is in production (cmd/berth/main.go).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == CompileCommand {
		CompileMain()
	}
	if len(os.Args) > 1 && os.Args[1] == "init" {
		initMain()
	}
	os.Exit(m.Run())
}

// profile is a small libcontainer profile: mkdir fails with EXDEV.
func profile(errno uint) *configs.Seccomp {
	return &configs.Seccomp{
		DefaultAction: configs.Allow,
		Architectures: []string{"amd64"},
		Syscalls:      []*configs.Syscall{{Name: "mkdir", Action: configs.Errno, ErrnoRet: &errno}},
	}
}

func seccompMode(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, _ := strings.Cut(l, ":"); k == "Seccomp" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// libcontainer's InitSeccomp loads whatever its export gives; under
// Compile that export fails, so nothing is loaded into the compiling
// process (with TSYNC it would be every thread of it).
func TestCompileNeverLoads(t *testing.T) {
	if seccompMode(t) != "0" {
		testutil.Unavailable(t, "this process already runs under seccomp (mode %s)", seccompMode(t))
	}
	fp, prog, err := libseccomp.Compile(func() error {
		_, err := seccomp.InitSeccomp(profile(18))
		return err
	})
	if err != nil || len(prog) == 0 {
		t.Fatalf("Compile(InitSeccomp) = %d bytes, %v", len(prog), err)
	}
	if m := seccompMode(t); m != "0" {
		t.Fatalf("the compiling process now runs under seccomp mode %s", m)
	}
	if err := os.Mkdir(filepath.Join(t.TempDir(), "d"), 0o700); err != nil {
		t.Fatalf("mkdir after Compile: %v", err)
	}
	if _, p2, _ := libseccomp.Compile(func() error { _, err := seccomp.InitSeccomp(profile(18)); return err }); !bytes.Equal(p2, prog) {
		t.Error("two compiles of one profile differ")
	}
	if f2, _, _ := libseccomp.Compile(func() error { _, err := seccomp.InitSeccomp(profile(13)); return err }); f2 == fp {
		t.Error("two profiles gave one fingerprint")
	}
}

func TestDecodeChecksEverything(t *testing.T) {
	fp := libseccomp.Fingerprint{1, 2, 3}
	prog := bytes.Repeat([]byte{0x20, 0, 0, 0, 4, 0, 0, 0}, 5)
	good := encode(fp, prog)
	if gfp, gprog, err := decode(good); err != nil || gfp != fp || !bytes.Equal(gprog, prog) {
		t.Fatalf("decode(encode) = %v, %d bytes, %v", gfp == fp, len(gprog), err)
	}
	allow := []byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f} // ret ALLOW
	swapped := append(append([]byte{}, good[:headerSize]...), allow...)
	flipped := append([]byte{}, good...)
	flipped[len(magic)+1+len(fp)] ^= 1
	odd := encode(fp, prog)
	odd = odd[:len(odd)-3]
	newer := append([]byte{}, good...)
	newer[len(magic)] = version + 1
	for name, data := range map[string][]byte{
		"empty":                          nil,
		"garbage":                        bytes.Repeat([]byte("garbage!"), 40),
		"truncated header":               good[:headerSize-1],
		"truncated program":              good[:len(good)-8],
		"program of no whole insn":       odd,
		"header only":                    good[:headerSize],
		"one-instruction allow, old sum": swapped,
		"wrong digest":                   flipped,
		"another version":                newer,
		"too long":                       encode(fp, make([]byte, 8*(maxInsns+1))),
	} {
		if _, _, err := decode(data); !errors.Is(err, errBadProgram) {
			t.Errorf("decode(%s) = %v, want errBadProgram", name, err)
		}
	}
	if ctorMax != maxFileSize {
		t.Errorf("the constructor reads up to %d bytes, a kept file has up to %d", ctorMax, maxFileSize)
	}
}

// Stage compiles in the helper on a miss, keeps a checked program, uses a
// kept one that checks out, and replaces one that does not.
func TestStage(t *testing.T) {
	cache, run := t.TempDir(), t.TempDir()
	p := profile(18)
	staged, kept := filepath.Join(run, FileName), CachePath(cache, p)
	if err := Stage(cache, run, p); err != nil {
		t.Fatalf("Stage (miss) = %v", err)
	}
	compiled, err := os.ReadFile(kept)
	if err != nil {
		t.Fatalf("nothing kept after a miss: %v", err)
	}
	fp, prog, err := decode(compiled)
	if err != nil {
		t.Fatalf("kept file: %v", err)
	}
	wantFp, wantProg, _ := libseccomp.Compile(func() error { _, err := seccomp.InitSeccomp(p); return err })
	if fp != wantFp || !bytes.Equal(prog, wantProg) {
		t.Fatal("the helper's program is not what libcontainer's InitSeccomp builds")
	}
	if b, _ := os.ReadFile(staged); !bytes.Equal(b, compiled) {
		t.Fatal("the staged program is not the kept one")
	}
	if st, err := os.Stat(staged); err != nil || st.Mode().Perm() != 0o400 {
		t.Fatalf("staged file: %v, %v; want mode 0400", st.Mode(), err)
	}

	// A kept program that checks out is used as it is (no compile).
	other := encode(fp, bytes.Repeat([]byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}, 2))
	os.WriteFile(kept, other, 0o600)
	if err := Stage(cache, run, p); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(staged); !bytes.Equal(b, other) {
		t.Fatal("a kept program that checks out was not staged")
	}

	// One that does not is compiled again, kept, staged.
	allowSwapped := append(append([]byte{}, compiled[:headerSize]...), 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f)
	flipped := append([]byte{}, compiled...)
	flipped[len(flipped)-1] ^= 0x40
	for name, bad := range map[string][]byte{
		"garbage": []byte("garbage"), "truncated": compiled[:len(compiled)-5],
		"one-instruction allow": allowSwapped, "wrong digest": flipped,
	} {
		os.WriteFile(kept, bad, 0o600)
		if err := Stage(cache, run, p); err != nil {
			t.Fatalf("Stage over a %s kept file = %v", name, err)
		}
		for _, path := range []string{kept, staged} {
			if b, _ := os.ReadFile(path); !bytes.Equal(b, compiled) {
				t.Fatalf("%s kept file: %s not replaced by the compiled program", name, filepath.Base(path))
			}
		}
	}

	// A symlink in the cache is not followed.
	target := filepath.Join(t.TempDir(), "t")
	os.WriteFile(target, other, 0o600)
	os.Remove(kept)
	os.Symlink(target, kept)
	if err := Stage(cache, run, p); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(staged); !bytes.Equal(b, compiled) {
		t.Fatal("Stage followed a symlink in the cache")
	}

	// No profile stages nothing.
	if err := Stage(cache, run, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(staged); !os.IsNotExist(err) {
		t.Fatal("a staged program left for a container without a profile")
	}
}
