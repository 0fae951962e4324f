package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/moby/sys/capability"
	"golang.org/x/sys/unix"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
)

// privilegedExec prepares `exec --privileged` as docker's: the process
// gets every capability and no seccomp filter, and still joins all of the
// container's namespaces and cgroups.
//
// libcontainer gives an exec the seccomp profile of the container's config
// and has no per-process switch. So the exec runs from a private copy of
// the container's libcontainer state, whose config lacks the profile: a
// directory of its own under the run directory (root's, 0700), removed by
// the returned function. The container's own state is never written.
func (e *Engine) privilegedExec(r *record, proc *libcontainer.Process) (*libcontainer.Container, func(), error) {
	data, err := os.ReadFile(filepath.Join(e.stateRoot(), r.ID, "state.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("container %s is not running: %w", r.Name, err)
	}
	var st libcontainer.State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, nil, fmt.Errorf("container %s: libcontainer state: %w", r.Name, err)
	}
	st.Config.Seccomp = nil
	dir, err := os.MkdirTemp(e.runRoot, "exec-")
	if err != nil {
		return nil, nil, err
	}
	done := func() { os.RemoveAll(dir) }
	if err := os.Mkdir(filepath.Join(dir, r.ID), 0o700); err != nil {
		done()
		return nil, nil, err
	}
	if data, err = json.Marshal(&st); err == nil {
		err = os.WriteFile(filepath.Join(dir, r.ID, "state.json"), data, 0o600)
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	c, err := libcontainer.Load(dir, r.ID)
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("container %s is not running: %w", r.Name, err)
	}
	all := privilegedCaps()
	proc.Capabilities = &configs.Capabilities{Bounding: all, Effective: all, Permitted: all}
	return c, done, nil
}

// privilegedCaps is "every capability" for --privileged, as docker's: those
// the kernel knows, less any berth itself lacks in its bounding set (root
// here runs without CAP_SYS_RESOURCE): a capability berth cannot hold it
// cannot give, and asking for it fails the start with EPERM.
var privilegedCaps = sync.OnceValue(func() []string {
	var out []string
	supported, err := capability.ListSupported()
	if err != nil {
		return allCaps()
	}
	for _, c := range supported {
		if held, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); err == nil && held == 1 {
			out = append(out, "CAP_"+strings.ToUpper(c.String()))
		}
	}
	return out
})
