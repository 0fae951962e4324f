package seccompcache

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/seccomp"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// initMain stands in for `berth init` (TestMain runs it when this test
// binary is started as "<binary> init"): the C constructor has read
// ../seccomp.bpf, if any; PrepareInit registers it; the child then builds
// filter(38) as libcontainer would and writes the program its export gives
// to stdout. It fails if a descriptor of the staged file is still open.
func initMain() {
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if l, _ := os.Readlink("/proc/self/fd/" + fd.Name()); strings.HasSuffix(l, FileName) {
			fmt.Fprintf(os.Stderr, "init holds fd %s on %s\n", fd.Name(), l)
			os.Exit(3)
		}
	}
	PrepareInit()
	f, err := buildFilter(38)
	if err == nil {
		err = f.ExportBPF(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

// runInit starts this binary as init in runDir/rootfs and returns the
// program its filter was exported as.
func runInit(t *testing.T, runDir string) []byte {
	t.Helper()
	rootfs := filepath.Join(runDir, "rootfs")
	if err := os.MkdirAll(rootfs, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "init")
	cmd.Dir = rootfs
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("init: %v: %s", err, stderr.String())
	}
	return out
}

// The staged program reaches init's export only when it checks out and was
// compiled for the very filter init builds; anything else leaves init to
// compile, as libcontainer always does.
func TestInitUsesOnlyAStagedProgramThatChecksOut(t *testing.T) {
	f := filter(t, 38)
	fp := fingerprint(t, f)
	_, compiled, err := libseccomp.Compile(func() error { _, err := tryExport(f); return err })
	if err != nil || len(compiled) == 0 {
		t.Fatalf("Compile = %d bytes, %v", len(compiled), err)
	}
	marker := bytes.Repeat([]byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}, 3) // ret ALLOW x3
	good := encode(fp, marker)
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-1] ^= 1
	elsewhere := filepath.Join(t.TempDir(), "kept")
	if err := os.WriteFile(elsewhere, good, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		stage func(path string) error
		want  []byte
	}{
		{"checks out", func(p string) error { return os.WriteFile(p, good, 0o400) }, marker},
		{"nothing staged", func(string) error { return nil }, compiled},
		{"wrong digest", func(p string) error { return os.WriteFile(p, flipped, 0o400) }, compiled},
		{"for another filter", func(p string) error {
			return os.WriteFile(p, encode(fingerprint(t, filter(t, 13)), marker), 0o400)
		}, compiled},
		{"a symlink to a good one", func(p string) error { return os.Symlink(elsewhere, p) }, compiled},
		{"longer than any kept file", func(p string) error {
			return os.WriteFile(p, append(append([]byte{}, good...), make([]byte, ctorMax)...), 0o400)
		}, compiled},
	} {
		run := t.TempDir()
		if err := tt.stage(filepath.Join(run, FileName)); err != nil {
			t.Fatal(err)
		}
		if got := runInit(t, run); !bytes.Equal(got, tt.want) {
			t.Errorf("%s: init exported %d bytes, want %d (%s)", tt.name, len(got), len(tt.want),
				map[bool]string{true: "the staged program", false: "its own compile"}[bytes.Equal(tt.want, marker)])
		}
	}
}

// Only `berth init` reads a staged program: this test process is not one.
func TestNothingStagedOutsideInit(t *testing.T) {
	if b := stagedProgram(); b != nil {
		t.Fatalf("stagedProgram outside init = %d bytes, want none", len(b))
	}
}

// A kept program as long as the kernel allows (BPF_MAXINSNS) is used as it
// is; it is not cut short on reading and compiled again at every start.
func TestStageUsesAProgramAtTheKernelLimit(t *testing.T) {
	cache, run := t.TempDir(), t.TempDir()
	p := profile(18)
	kept := encode(libseccomp.Fingerprint{7}, bytes.Repeat([]byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}, maxInsns))
	if err := os.WriteFile(CachePath(cache, p), kept, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Stage(cache, run, p); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(run, FileName)); !bytes.Equal(b, kept) {
		t.Fatalf("staged %d bytes, want the kept program of %d instructions (%d bytes)", len(b), maxInsns, len(kept))
	}
}

// The compile helper writes the program libcontainer's InitSeccomp builds;
// a profile it cannot read or libcontainer refuses gives an error and no
// output.
func TestCompileTo(t *testing.T) {
	p := profile(18)
	b, _ := json.Marshal(p)
	var out bytes.Buffer
	if err := compileTo(bytes.NewReader(b), &out); err != nil {
		t.Fatalf("compileTo = %v", err)
	}
	fp, prog, err := decode(out.Bytes())
	wantFp, wantProg, _ := libseccomp.Compile(func() error { _, err := seccomp.InitSeccomp(p); return err })
	if err != nil || fp != wantFp || !bytes.Equal(prog, wantProg) {
		t.Fatalf("compileTo wrote a program that is not InitSeccomp's: %v", err)
	}
	refused, _ := json.Marshal(&configs.Seccomp{DefaultAction: configs.Notify})
	for name, in := range map[string][]byte{"not JSON": []byte("{"), "refused by libcontainer": refused} {
		out.Reset()
		if err := compileTo(bytes.NewReader(in), &out); err == nil || out.Len() != 0 {
			t.Errorf("compileTo(%s) = %v, wrote %d bytes; want an error and nothing", name, err, out.Len())
		}
	}
}

// A profile the helper refuses fails Stage with the helper's own reason,
// and nothing is kept or staged.
func TestStageReportsTheHelpersReason(t *testing.T) {
	cache, run := t.TempDir(), t.TempDir()
	p := &configs.Seccomp{DefaultAction: configs.Notify}
	err := Stage(cache, run, p)
	if err == nil || !strings.Contains(err.Error(), "SCMP_ACT_NOTIFY cannot be used as default action") {
		t.Fatalf("Stage(a refused profile) = %v, want the helper's reason", err)
	}
	for _, path := range []string{CachePath(cache, p), filepath.Join(run, FileName)} {
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("%s exists after a refused compile", path)
		}
	}
}
