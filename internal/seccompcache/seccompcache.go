// Package seccompcache keeps compiled seccomp programs so that a container's
// init does not compile the same profile at every start and exec.
//
// libcontainer builds and compiles the container's seccomp filter inside
// `berth init`, after pivot_root: with docker's default profile that is
// ~25 ms of libseccomp on the critical path of every start and exec. The shim
// stages the program compiled last time for the same profile in the
// container's run directory (Stage); `berth init`, which starts with the
// container's rootfs as its working directory, opens it from the rootfs's
// parent in a C constructor, before libcontainer's nsexec moves it into the
// container's namespaces, and registers it (PrepareInit) with
// berth's libseccomp-golang (third_party/libseccomp-golang), which uses it
// only for a filter whose fingerprint, the transcript of every call that
// built it, matches. On a miss init compiles as before and writes the result
// back through a descriptor it opened before pivot_root; the shim then
// keeps it for the next container (Commit).
//
// File format: the 32-byte fingerprint followed by the raw BPF program
// (8-byte instructions), as libseccomp exports it.
package seccompcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer/configs"
	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/berthdev/berth/internal/atomicfile"
)

// FileName is the staged program in a container's run directory, the
// parent of its rootfs mount point.
const FileName = "seccomp.bpf"

// Staged is a program staged for one container start.
type Staged struct {
	path, cached string
	had          []byte
}

// Stage puts the program last compiled for profile (from cacheDir) at
// runDir/seccomp.bpf, or an empty file for init to fill. Without a profile
// it removes any staged file. Errors are not fatal to a start: without a
// staged program init compiles, as libcontainer always does.
func Stage(cacheDir, runDir string, profile *configs.Seccomp) *Staged {
	path := filepath.Join(runDir, FileName)
	if profile == nil {
		os.Remove(path)
		return nil
	}
	b, err := json.Marshal(profile)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	s := &Staged{path: path, cached: filepath.Join(cacheDir, hex.EncodeToString(sum[:]))}
	if data, err := os.ReadFile(s.cached); err == nil && valid(data) {
		s.had = data
	}
	if err := os.WriteFile(path+".tmp", s.had, 0o600); err != nil {
		return nil
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return nil
	}
	return s
}

// Commit keeps what init compiled, once the container runs, for the next
// start with the same profile.
func (s *Staged) Commit() {
	if s == nil {
		return
	}
	data, err := os.ReadFile(s.path)
	if err != nil || !valid(data) || bytes.Equal(data, s.had) {
		return
	}
	if err := os.MkdirAll(filepath.Dir(s.cached), 0o700); err != nil {
		return
	}
	atomicfile.WriteFile(s.cached, data, 0o600)
}

// PrepareInit runs in `berth init` before libcontainer.Init: it registers
// the staged program, if any, and arranges for a newly compiled one to be
// written back. The file was opened by this package's C constructor, before
// nsexec moved the process into the container's namespaces (ctor.go).
func PrepareInit() {
	fd := stagedFd()
	if fd < 0 {
		return // not started by berth's shim, or no profile
	}
	f := os.NewFile(uintptr(fd), FileName)
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err == nil && valid(buf.Bytes()) {
		var fp libseccomp.Fingerprint
		copy(fp[:], buf.Bytes())
		libseccomp.UsePrecompiled(fp, buf.Bytes()[len(fp):])
	}
	// Called only when init compiles (a miss). The descriptor is
	// close-on-exec: the container's process never sees it.
	libseccomp.OnCompiled(func(fp libseccomp.Fingerprint, prog []byte) {
		if f.Truncate(0) == nil {
			f.WriteAt(append(fp[:], prog...), 0)
		}
		f.Close()
	})
}

// valid reports whether data looks like a fingerprint and a BPF program.
func valid(data []byte) bool {
	n := len(data) - len(libseccomp.Fingerprint{})
	return n >= 8 && n%8 == 0
}
