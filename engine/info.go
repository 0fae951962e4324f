package engine

import (
	"bytes"
	"os"
	"runtime"
	"strings"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// Info is `berth info`: the store and the host as docker's `info` shows
// them, with docker's field names (so `--format '{{.NCPU}}'` and
// `{{json .}}` read the same).
type Info struct {
	ID                string
	Containers        int
	ContainersRunning int
	ContainersPaused  int
	ContainersStopped int
	Images            int
	Driver            string
	DriverStatus      [][2]string
	CgroupDriver      string
	CgroupVersion     string
	KernelVersion     string
	OperatingSystem   string
	OSType            string
	Architecture      string
	NCPU              int
	MemTotal          int64
	Name              string
	DockerRootDir     string // the store, under docker's name
	RunRoot           string // the volatile run directory that follows from it
	ServerVersion     string
	DefaultRuntime    string
	SecurityOptions   []string
	Warnings          []string
}

// Info gathers what `berth info` shows. version is the caller's own
// version string (the CLI's), since the engine runs in the same binary.
func (e *Engine) Info(version string) (*Info, error) {
	cs, err := e.List(true)
	if err != nil {
		return nil, err
	}
	imgs, err := e.Images()
	if err != nil {
		return nil, err
	}
	in := &Info{
		Containers: len(cs), Images: len(imgs),
		Driver: "overlay", DriverStatus: [][2]string{{"Backing Filesystem", backingFS(e.root)}},
		CgroupDriver: "cgroupfs", CgroupVersion: "1",
		OSType: runtime.GOOS, Architecture: unameMachine(), NCPU: runtime.NumCPU(),
		DockerRootDir: e.root, RunRoot: e.runRoot, ServerVersion: version,
		DefaultRuntime:  "runc (libcontainer, in-process)",
		SecurityOptions: []string{"name=seccomp,profile=builtin", "name=no-new-privileges"},
	}
	// docker lists name=userns when its daemon remaps (userns-remap);
	// berth when the store's default puts containers in a user namespace.
	if cfg, err := e.usernsConfig(); err == nil && (cfg.Default == "private" || cfg.Default == "keep-id") {
		in.SecurityOptions = append(in.SecurityOptions, "name=userns")
	}
	for _, c := range cs {
		switch c.State {
		case "running", "restarting":
			in.ContainersRunning++
		case "paused":
			in.ContainersPaused++
		default:
			in.ContainersStopped++
		}
	}
	if cgroups.IsCgroup2UnifiedMode() {
		in.CgroupVersion = "2"
	} else if cgroups.IsCgroup2HybridMode() {
		in.Warnings = append(in.Warnings, "WARNING: cgroups run in hybrid mode: berth uses the v1 controllers")
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		in.KernelVersion = unix.ByteSliceToString(u.Release[:])
		in.Name = unix.ByteSliceToString(u.Nodename[:])
	}
	in.OperatingSystem = osPrettyName()
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		in.MemTotal = int64(si.Totalram) * int64(si.Unit)
	}
	if id, err := os.ReadFile("/etc/machine-id"); err == nil {
		in.ID = strings.TrimSpace(string(id))
	}
	return in, nil
}

// osPrettyName is /etc/os-release's PRETTY_NAME, as docker's
// "Operating System".
func osPrettyName() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(l, []byte("PRETTY_NAME=")); ok {
			return strings.Trim(string(v), `"`)
		}
	}
	return runtime.GOOS
}

func unameMachine() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return runtime.GOARCH
	}
	return unix.ByteSliceToString(u.Machine[:])
}

// backingFS names the filesystem the store lives on, as docker's overlay2
// driver status does.
func backingFS(dir string) string {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return "unknown"
	}
	switch st.Type {
	case unix.EXT4_SUPER_MAGIC:
		return "extfs"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlayfs"
	}
	return "unknown"
}
