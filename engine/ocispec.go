package engine

import (
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RuntimeSpec is the OCI runtime spec (runc's config.json) berth gives a
// container: the same namespaces, capabilities, seccomp profile, masked paths
// and cgroup limits, with root.path the merged root filesystem. Learners can
// compare it with `runc spec`; the start benchmark hands it to runc so both
// runtimes do the same work.
func (e *Engine) RuntimeSpec(ref string) (*specs.Spec, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return nil, err
	}
	rootfs := filepath.Join(e.runDir(r.ID), "merged")
	// The user is resolved through /etc/passwd: the mounted root filesystem
	// when running, else the topmost layer that has one.
	passwdRoot := rootfs
	if st, err := e.loadState(r.ID); err != nil || !st.running() {
		passwdRoot = layerWith(append([]string{filepath.Join(e.containerDir(r.ID), "upper")}, r.LowerDirs...), "etc/passwd")
	}
	ps, err := processSpec(passwdRoot, append([]string{r.Path}, r.Args...), r.Config.Env, r.Config.User, r.Config.WorkingDir, r.Config.Tty)
	if err != nil {
		return nil, err
	}
	return e.ociSpec(r, rootfs, ps)
}

// layerWith is the first directory of dirs (top layer first) holding rel as a
// regular file; the last one if none does.
func layerWith(dirs []string, rel string) string {
	for _, d := range dirs {
		if st, err := os.Lstat(filepath.Join(d, rel)); err == nil && st.Mode().IsRegular() {
			return d
		}
	}
	return dirs[len(dirs)-1]
}
