package engine

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	units "github.com/docker/go-units"
	"github.com/opencontainers/runc/libcontainer/configs"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// validateCreate checks every option of a create that can be judged
// without the store, before anything is written: a bad value fails here
// with one line naming it, as docker's daemon refuses it at create, and
// never later inside container start with libcontainer's text and a
// container record left behind. Pure: it reads only the options and the
// host's CPU count and rlimits.
func validateCreate(o *CreateOptions) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf(format+": %w", append(a, errdefs.ErrInvalid)...)
	}
	if err := checkHostname(o.Hostname); err != nil {
		return err
	}
	for _, kv := range o.Env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "" || strings.ContainsRune(kv, 0) {
			return bad("invalid environment variable: %q", kv)
		}
	}
	for k, v := range o.Labels {
		if strings.TrimSpace(k) == "" || strings.ContainsRune(k+v, 0) {
			return bad("invalid label %q: empty name", k+"="+v)
		}
	}
	for _, a := range append(append([]string{}, o.Cmd...), entrypointArgs(o)...) {
		if strings.ContainsRune(a, 0) {
			return bad("invalid argument %q: contains a NUL byte", a)
		}
	}
	if o.WorkingDir != "" && !filepath.IsAbs(o.WorkingDir) {
		return bad("working directory %q is not an absolute path", o.WorkingDir)
	}
	if strings.ContainsRune(o.User, 0) || strings.Count(o.User, ":") > 1 {
		return bad("invalid user %q: use <name|uid>[:<group|gid>]", o.User)
	}
	if o.StopSignal != "" {
		if _, err := ParseSignal(o.StopSignal); err != nil {
			return bad("invalid stop signal %q", o.StopSignal)
		}
	}
	return checkLimits(&o.Host)
}

// checkHostname: the kernel keeps at most 64 bytes (HOST_NAME_MAX).
func checkHostname(h string) error {
	if len(h) > 64 {
		return fmt.Errorf("invalid hostname %q: longer than 64 characters: %w", h, errdefs.ErrInvalid)
	}
	for _, c := range h {
		if c <= ' ' || c == '/' || c > '~' {
			return fmt.Errorf("invalid hostname %q: only letters, digits and punctuation are allowed: %w", h, errdefs.ErrInvalid)
		}
	}
	return nil
}

// checkLimits checks memory, swap, CPU, pids and ulimits as docker's
// daemon does (daemon/daemon_unix.go verifyPlatformContainerResources).
func checkLimits(h *HostConfig) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf(format+": %w", append(a, errdefs.ErrInvalid)...)
	}
	if h.Memory < 0 || h.NanoCPUs < 0 || h.PidsLimit < 0 {
		return bad("limits must not be negative")
	}
	if h.Memory > 0 && h.Memory < 6<<20 {
		return bad("minimum memory limit allowed is 6MB")
	}
	switch {
	case h.MemorySwap < -1:
		return bad("invalid --memory-swap %d: use -1 for unlimited swap", h.MemorySwap)
	case h.MemorySwap > 0 && h.Memory == 0:
		return bad("you should always set the memory limit when using the memory-swap limit")
	case h.MemorySwap > 0 && h.MemorySwap < h.Memory:
		return bad("minimum memory-swap limit should be larger than memory limit")
	}
	if n := int64(runtime.NumCPU()); h.NanoCPUs > 0 && (h.NanoCPUs < 1e7 || h.NanoCPUs > n*1e9) {
		return bad("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", n, n)
	}
	seen := map[string]bool{}
	for _, u := range h.Ulimits {
		if err := checkUlimit(u); err != nil {
			return err
		}
		if seen[u.Name] {
			return bad("ulimit %q given twice", u.Name)
		}
		seen[u.Name] = true
	}
	return nil
}

// Ulimit is one --ulimit: a resource limit of the container's processes.
type Ulimit struct {
	Name string `json:"Name"` // nofile, nproc, core, ... (without RLIMIT_)
	Soft int64  `json:"Soft"`
	Hard int64  `json:"Hard"`
}

// ParseUlimit reads one --ulimit value, NAME=SOFT[:HARD], with docker's
// parser (go-units).
func ParseUlimit(s string) (Ulimit, error) {
	u, err := units.ParseUlimit(s)
	if err != nil {
		return Ulimit{}, fmt.Errorf("invalid ulimit %q: %v: %w", s, err, errdefs.ErrInvalid)
	}
	return Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard}, checkUlimit(Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
}

// checkUlimit: a known resource, soft <= hard, and for nofile no more than
// this process's own hard limit: without CAP_SYS_RESOURCE (or above
// fs.nr_open) the kernel refuses it only inside container start.
func checkUlimit(u Ulimit) error {
	res, ok := rlimitResource(u.Name)
	if !ok {
		return fmt.Errorf("invalid ulimit %q: unknown resource: %w", u.Name, errdefs.ErrInvalid)
	}
	if u.Soft < -1 || u.Hard < -1 || (u.Hard != -1 && (u.Soft == -1 || u.Soft > u.Hard)) {
		return fmt.Errorf("invalid ulimit %s=%d:%d: the soft limit must not exceed the hard limit: %w", u.Name, u.Soft, u.Hard, errdefs.ErrInvalid)
	}
	var cur unix.Rlimit
	if unix.Getrlimit(res, &cur) == nil && !hasCap(unix.CAP_SYS_RESOURCE) && cur.Max != unix.RLIM_INFINITY &&
		(u.Hard == -1 || uint64(u.Hard) > cur.Max) {
		return fmt.Errorf("invalid ulimit %s=%d:%d: above the hard limit berth runs with (%d) and berth lacks CAP_SYS_RESOURCE: %w", u.Name, u.Soft, u.Hard, cur.Max, errdefs.ErrPermission)
	}
	return nil
}

// rlimitResource maps docker's ulimit names to the kernel's.
func rlimitResource(name string) (int, bool) {
	r, ok := map[string]int{
		"core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU, "data": unix.RLIMIT_DATA,
		"fsize": unix.RLIMIT_FSIZE, "locks": unix.RLIMIT_LOCKS, "memlock": unix.RLIMIT_MEMLOCK,
		"msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE, "nofile": unix.RLIMIT_NOFILE,
		"nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS, "rtprio": unix.RLIMIT_RTPRIO,
		"rttime": unix.RLIMIT_RTTIME, "sigpending": unix.RLIMIT_SIGPENDING, "stack": unix.RLIMIT_STACK,
		"as": unix.RLIMIT_AS,
	}[name]
	return r, ok
}

// hasCap reports whether this process has capability c in its effective set.
func hasCap(c int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if unix.Capget(&hdr, &data[0]) != nil {
		return false
	}
	return data[c/32].Effective&(1<<(uint(c)%32)) != 0
}

func entrypointArgs(o *CreateOptions) []string {
	if o.Entrypoint == nil {
		return nil
	}
	return *o.Entrypoint
}

// processRlimits are a container's --ulimit values for libcontainer's
// Process (its init and every exec): runc's specconv leaves the spec's
// rlimits to the caller, as runc's own newProcess does.
func processRlimits(us []Ulimit) []configs.Rlimit {
	var out []configs.Rlimit
	for _, u := range us {
		if res, ok := rlimitResource(u.Name); ok {
			out = append(out, configs.Rlimit{Type: res, Soft: rlim(u.Soft), Hard: rlim(u.Hard)})
		}
	}
	return out
}
