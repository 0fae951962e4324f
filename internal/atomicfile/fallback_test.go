package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/testutil"
)

// noTmpfileEnv marks the child of TestBesideWithoutOTmpfile.
const noTmpfileEnv = "BERTH_TEST_NO_O_TMPFILE"

// denyOTmpfile loads a seccomp filter into every thread of this process
// under which an open with O_TMPFILE fails with EOPNOTSUPP, as it does on
// a filesystem without unnamed temporary files (FUSE, NFS before 4.2, vfat).
func denyOTmpfile() error {
	const allow = unix.SECCOMP_RET_ALLOW
	tmpfile := uint32(unix.O_TMPFILE &^ unix.O_DIRECTORY) // __O_TMPFILE
	filter := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 4}, // arch
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jf: 5, K: unix.AUDIT_ARCH_X86_64},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jf: 3, K: unix.SYS_OPENAT},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 16 + 2*8}, // flags, low half
		{Code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, Jf: 1, K: tmpfile},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EOPNOTSUPP)},
		{Code: unix.BPF_RET | unix.BPF_K, K: allow},
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog))); errno != 0 {
		return errno
	}
	return nil
}

// Where the filesystem has no O_TMPFILE, Beside writes a named temporary
// file beside path (mode perm) and renames it into place at Commit; Abort
// and a failed Commit leave nothing behind. The test runs itself again in
// a child process whose opens with O_TMPFILE fail, as on such a filesystem.
func TestBesideWithoutOTmpfile(t *testing.T) {
	if os.Getenv(noTmpfileEnv) != "1" {
		if runtime.GOARCH != "amd64" {
			testutil.Unavailable(t, "the test's seccomp filter is written for amd64")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestBesideWithoutOTmpfile$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), noTmpfileEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestBesideWithoutOTmpfile") {
			t.Fatalf("child without O_TMPFILE: %v\n%s", err, out)
		}
		return
	}
	if err := denyOTmpfile(); err != nil {
		t.Fatalf("loading the filter: %v", err)
	}
	dir := t.TempDir()
	if fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY, 0o600); err != unix.EOPNOTSUPP {
		unix.Close(fd)
		t.Fatalf("open(O_TMPFILE) under the filter = %v, want EOPNOTSUPP", err)
	}
	path := filepath.Join(dir, "out")
	for _, content := range []string{"first", "second"} { // new, then replacing
		b, err := CreateBeside(path, 0o640)
		if err != nil {
			t.Fatalf("CreateBeside = %v", err)
		}
		b.WriteString(content)
		var temp []os.DirEntry
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tempPrefix+itoa(os.Getpid())+"-") {
				temp = append(temp, e)
			}
		}
		if len(temp) != 1 {
			t.Fatalf("before Commit the directory holds %v, want one %s<pid>- file", entries, tempPrefix)
		}
		if fi, _ := temp[0].Info(); fi.Mode().Perm() != 0o640 {
			t.Errorf("the temporary file has mode %v, want 0640", fi.Mode().Perm())
		}
		if err := b.Commit(); err != nil {
			t.Fatalf("Commit() = %v", err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("after Commit: %q, want %q", got, content)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("after Commit the directory holds %v", entries)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	b, err := CreateBeside(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("never")
	b.Abort()
	if got, _ := os.ReadFile(path); string(got) != "second" {
		t.Errorf("after Abort: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after Abort the directory holds %v", entries)
	}
	// A Commit that cannot rename over path fails and leaves no file.
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(sub, "kept"), 0o755)
	b, err = CreateBeside(sub, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("data")
	if err := b.Commit(); err == nil {
		t.Error("Commit over a directory with entries succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("after a failed Commit the directory holds %v, want out and sub", entries)
	}
}
