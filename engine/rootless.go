package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/sys/userns"
	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/idmap"
	// Links the C constructor that joins the namespace (rootlessns/doc.go).
	_ "github.com/berthdev/berth/internal/rootlessns"
)

// Rootless berth: a user without root runs berth in a user namespace of
// their own, as podman does. See "Rootless" in doc.go for the design; this
// file holds the defaults and the checks, rootlessenter.go the namespace.

// rootlessUID is the uid, outside the namespace, of the user a rootless
// berth runs for; ok is false for a berth run by real root. Before
// EnterRootless that is the caller's euid; after, the kernel says: the
// process is in a user namespace whose uid 0 is that user's uid
// (/proc/self/uid_map).
func rootlessUID() (uid int, ok bool) {
	if os.Geteuid() != 0 {
		return os.Geteuid(), true
	}
	if !userns.RunningInUserNS() {
		return 0, false
	}
	rootlessOnce.Do(func() { rootlessOuter = outerRoot("/proc/self/uid_map") })
	return rootlessOuter, rootlessOuter > 0
}

var (
	rootlessOnce  sync.Once
	rootlessOuter int
)

// outerRoot is the id outside that uid 0 maps to in a uid_map file, or -1.
func outerRoot(file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) == 3 && f[0] == "0" {
			if n, err := strconv.Atoi(f[1]); err == nil {
				return n
			}
		}
	}
	return -1
}

// Rootless reports whether this berth runs for a user without root.
func Rootless() bool {
	_, ok := rootlessUID()
	return ok
}

// DefaultStore is the store used when neither --root nor BERTH_ROOT names
// one: DefaultRoot for root; for a rootless user $XDG_DATA_HOME/berth, else
// ~/.local/share/berth.
func DefaultStore() string {
	if !Rootless() {
		return DefaultRoot
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "berth")
	}
	home := os.Getenv("HOME")
	if uid, _ := rootlessUID(); !filepath.IsAbs(home) {
		if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
			home = u.HomeDir
		}
	}
	return filepath.Join(home, ".local", "share", "berth")
}

// rootlessRunBase is the directory that holds a rootless user's run
// directories and the namespace's pause process: $XDG_RUNTIME_DIR/berth,
// else <tmp>/berth-<uid> (checked as the user's, as every run directory is).
func rootlessRunBase(uid int) string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "berth")
	}
	return filepath.Join(os.TempDir(), "berth-"+strconv.Itoa(uid))
}

// rootlessRunRoot is RunRootFor for a rootless user.
func rootlessRunRoot(uid int, root string) string {
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(rootlessRunBase(uid), "berth-"+hex.EncodeToString(sum[:])[:12])
}

// subIDs are a user's subordinate ranges, the first of each file; an
// error, one line, says who lacks which and what to do.
func subIDs(files idmap.Files, name string, uid int) (uids, gids idmap.Range, err error) {
	for _, f := range []struct {
		file string
		out  *idmap.Range
	}{{files.UID, &uids}, {files.GID, &gids}} {
		rs, err := idmap.Ranges(f.file, name, strconv.Itoa(uid))
		if err != nil {
			return uids, gids, fmt.Errorf("reading %s: %w", f.file, err)
		}
		if len(rs) == 0 || rs[0].Size == 0 {
			return uids, gids, fmt.Errorf("user %s has no range in %s: ask an administrator to run `scripts/lab-setup.sh` (or usermod --add-subuids/--add-subgids): %w", name, f.file, errdefs.ErrFailedPrecondition)
		}
		*f.out = rs[0]
	}
	return uids, gids, nil
}

// rootlessCgroups is host.cgroups for Open: for a rootless berth, none. Its
// containers' cgroups are not berth's to sweep (under cgroup v1 it makes
// none; under a delegated v2 subtree libcontainer removes its own), and
// the host's /sys/fs/cgroup/*/berth belong to root's stores. nil for root:
// the store's own (berthCgroups).
func rootlessCgroups() func() []cgroupDir {
	if !Rootless() {
		return nil
	}
	return func() []cgroupDir { return nil }
}

// rootlessConfig adapts a container's libcontainer config for a rootless
// berth: cgroups it may not create are skipped. runc's cgroup managers
// ignore a permission error only for a rootless config whose cgroup is
// named by parent and name rather than by path, so the path is split.
// (Limits are refused before this, where the user may not set them:
// checkRootlessLimits.)
func rootlessConfig(cfg *configs.Config) {
	if !Rootless() {
		return
	}
	cfg.RootlessCgroups = true
	// sysfs may be mounted only by the owner of the network namespace: a
	// container that shares the host's (--network host) gets the host's
	// /sys bound read-only instead, as runc's `spec --rootless` does.
	if !cfg.Namespaces.Contains(configs.NEWNET) || cfg.Namespaces.PathOf(configs.NEWNET) != "" {
		for _, m := range cfg.Mounts {
			if m.Device == "sysfs" {
				m.Device, m.Source = "bind", "/sys"
				m.Flags |= unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV
			}
		}
	}
	if c := cfg.Cgroups; c != nil {
		c.Rootless = true
		if c.Path != "" {
			c.Parent, c.Name, c.Path = filepath.Dir(c.Path), filepath.Base(c.Path), ""
		}
	}
}

// checkRootlessLimits refuses, for a rootless berth, the resource limits
// it could not apply: a limit needs a cgroup the user may write. Under
// cgroup v2 a host may delegate one (systemd's user@UID.service,
// Delegate=yes), and a rootless container's cgroup is then made under the
// caller's own (runc's rootless cgroup manager); under cgroup v1, or v2
// without the controller delegated, the flag is refused with one line,
// never ignored. (Coded against v2; the development host is v1 hybrid and
// shows only the refusal.)
func checkRootlessLimits(h HostConfig) error {
	if !Rootless() {
		return nil
	}
	// A rootless container already runs in the user's namespace, whose
	// root is the user; a namespace of its own inside that one (maps
	// within the user's range) is not supported.
	if (h.UsernsMode != "" && h.UsernsMode != "host") || h.IDMappings != nil {
		flag := "--userns " + h.UsernsMode
		if h.UsernsMode == "" {
			flag = "--uidmap/--gidmap"
		}
		return fmt.Errorf("%s: a rootless container already runs in your user namespace (its root is you, its other uids your /etc/subuid range); per-container maps need root: %w", flag, errdefs.ErrFailedPrecondition)
	}
	for _, l := range []struct {
		flag, controller string
		set              bool
	}{
		{"--memory", "memory", h.Memory != 0},
		{"--memory-swap", "memory", h.MemorySwap != 0},
		{"--memory-reservation", "memory", h.MemoryReservation != 0},
		{"--oom-kill-disable", "memory", h.OomKillDisable},
		{"--cpus", "cpu", h.NanoCPUs != 0},
		{"--cpu-shares", "cpu", h.CPUShares != 0},
		{"--cpuset-cpus", "cpuset", h.CpusetCpus != ""},
		{"--cpuset-mems", "cpuset", h.CpusetMems != ""},
		{"--pids-limit", "pids", h.PidsLimit > 0},
	} {
		if !l.set {
			continue
		}
		if why := delegatedController(l.controller); why != "" {
			return fmt.Errorf("%s: a rootless container's limits need the %s controller of a cgroup v2 subtree delegated to you; %s: run without %s, or as root: %w", l.flag, l.controller, why, l.flag, errdefs.ErrFailedPrecondition)
		}
	}
	return nil
}

// delegatedController says why this process cannot set limits with the
// cgroup v2 controller c ("" when it can). runc's v2 manager makes a
// relative cgroup under the parent of the caller's own (the caller's has
// processes, so no controller can be enabled below it: fs2's
// defaultDirPath), so that parent is what must be writable and have c.
func delegatedController(c string) string {
	if !cgroups.IsCgroup2UnifiedMode() {
		return "this host runs cgroup v1 (or hybrid), which is never delegated"
	}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return err.Error()
	}
	own := ""
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			own = p
		}
	}
	parent := filepath.Dir(own)
	dir := filepath.Join("/sys/fs/cgroup", parent)
	if own == "" || unix.Access(dir, unix.W_OK) != nil {
		return "the cgroup " + parent + " is not yours to write (no delegation)"
	}
	ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil || !slices.Contains(strings.Fields(string(ctl)), c) {
		return "the " + c + " controller is not delegated to the cgroup " + parent
	}
	return ""
}

// rootlessNoCgroup says a rootless container has no cgroup to read: under
// cgroup v1 runc makes none (its paths are left empty or unwritable).
func rootlessNoCgroup() bool {
	return Rootless() && delegatedController("pids") != ""
}

// containerPids are a container's processes: its cgroup's, or for a
// rootless container without a cgroup, its PID namespace's (inspect.PidnsMembers).
func containerPids(c *libcontainer.Container) ([]int, error) {
	if !rootlessNoCgroup() {
		return c.Processes()
	}
	st, err := c.State()
	if err != nil {
		return nil, err
	}
	return inspect.PidnsMembers(st.InitProcessPid), nil
}

// rootlessPause refuses pause for a rootless container without a cgroup:
// freezing needs the freezer cgroup.
func rootlessPause(name string, pause bool) error {
	if !pause || !Rootless() {
		return nil
	}
	if why := delegatedController("freezer"); why != "" && !cgroups.IsCgroup2UnifiedMode() {
		return fmt.Errorf("container %s: pausing a rootless container needs a cgroup (the freezer); %s: %w", name, why, errdefs.ErrFailedPrecondition)
	}
	return nil
}
