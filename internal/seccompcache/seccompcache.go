// Package seccompcache keeps compiled seccomp programs so that a container's
// init does not compile the same profile at every start and exec.
//
// libcontainer builds and compiles the container's seccomp filter inside
// `berth init`, after pivot_root: with docker's default profile that is
// ~25 ms of libseccomp on the critical path of every start and exec.
//
// Who writes what, and why a container cannot weaken another one:
//
//   - The cache (<run root>/seccomp/<profile hash>, root's, 0700) is written
//     only by the shim, with what a compile helper gave it: the berth binary
//     re-executed as `berth seccomp-compile` (Compile), a host process that
//     no container can see or reach, running libcontainer's own
//     seccomp.InitSeccomp under libseccomp-golang's Compile, which captures
//     the program and makes every export fail, so nothing is ever loaded
//     there. Nothing a container's init compiles, or could have touched, is
//     ever written back.
//   - Every kept file carries a sha256 digest binding the program to the
//     filter's fingerprint (format.go), checked when the shim reads the cache
//     and again in init. A file that fails (damaged, cut short, swapped) is
//     replaced by a fresh compile; it never fails a start.
//   - The shim stages the program for one container in its run directory
//     (Stage); `berth init`, whose working directory is the container's
//     rootfs on the host, reads it whole and closes it in a C constructor
//     before libcontainer's nsexec moves it into the container's namespaces
//     (ctor.go). From then on init holds only a private copy in memory: no
//     descriptor a process of the container could reopen through
//     /proc/<pid>/fd, and the run directory is outside every container's
//     mount namespace.
//   - PrepareInit registers the program with berth's libseccomp-golang
//     (third_party/libseccomp-golang), which uses it only for a filter whose
//     fingerprint, the transcript of every call that built it, matches. On a
//     miss init compiles as libcontainer always does.
package seccompcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer/configs"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/atomicfile"
)

// FileName is the staged program in a container's run directory, the
// parent of its rootfs mount point.
const FileName = "seccomp.bpf"

// Stage puts the program for profile at runDir/seccomp.bpf: the one kept in
// cacheDir when it checks out, else one compiled now by the compile helper
// and kept. Without a profile it only removes any staged file. An error is
// not fatal to a start: with nothing staged init compiles, as libcontainer
// always does.
func Stage(cacheDir, runDir string, profile *configs.Seccomp) error {
	path := filepath.Join(runDir, FileName)
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	if profile == nil {
		return nil
	}
	b, err := json.Marshal(profile)
	if err != nil {
		return err
	}
	cached := CachePath(cacheDir, profile)
	data, err := readKept(cached)
	if err != nil {
		if data, err = compile(b); err != nil {
			return err
		}
		if err := os.MkdirAll(cacheDir, 0o700); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(cached, data, 0o600); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := os.WriteFile(tmp, data, 0o400); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// CachePath is where the program for profile is kept in cacheDir.
func CachePath(cacheDir string, profile *configs.Seccomp) string {
	b, _ := json.Marshal(profile)
	sum := sha256.Sum256(b)
	return filepath.Join(cacheDir, hex.EncodeToString(sum[:]))
}

// readKept reads and checks a kept file; any error means "compile again".
func readKept(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, errBadProgram)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(maxFileSize)+1))
	if err != nil {
		return nil, err
	}
	if _, _, err := decode(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// PrepareInit runs in `berth init` before libcontainer.Init: it registers
// the staged program, if one was read (ctor.go) and checks out.
func PrepareInit() {
	data := stagedProgram()
	if data == nil {
		return // not started by berth's shim, or no profile
	}
	fp, prog, err := decode(data)
	if err != nil {
		return // damaged: init compiles, as libcontainer always does
	}
	libseccomp.UsePrecompiled(fp, prog)
}
