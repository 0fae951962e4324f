package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// A volume made with `volume create -o type=T -o device=D -o o=OPTS` is
// docker's local driver with options (volume/local/local_unix.go): its
// _data is `mount -t T -o OPTS D` when a container using it starts, so
// every container on the volume sees the same file system:
//
//	-o type=tmpfs -o device=tmpfs -o o=size=10m     a tmpfs shared by its users
//	-o type=none  -o o=bind -o device=/host/dir     the host directory
//	-o type=ext4  -o device=/dev/sdb1               a block device's file system
//
// The mount stays until `volume rm` or prune unmounts it (docker unmounts
// when the last user stops; berth has no daemon to count the users), or
// the host reboots (the next start mounts again). The kernel checks the
// options; a failing mount fails the start with docker's line.

// volumeOptKeys are the local driver's options.
var volumeOptKeys = map[string]bool{"type": true, "device": true, "o": true}

// checkVolumeOptions is docker's validateOpts: known keys only, and type
// and device each need the other, o needs both.
func checkVolumeOptions(name string, opts map[string]string) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !volumeOptKeys[k] {
			return fmt.Errorf("create %s: invalid option: %q: %w", name, k, errdefs.ErrInvalid)
		}
	}
	need := map[string][]string{"device": {"type"}, "type": {"device"}, "o": {"device", "type"}}
	for _, k := range keys {
		for _, r := range need[k] {
			if _, ok := opts[r]; !ok {
				return fmt.Errorf("create %s: missing required option: %q: %w", name, r, errdefs.ErrInvalid)
			}
		}
	}
	for _, k := range keys {
		if strings.ContainsRune(opts[k], 0) {
			return fmt.Errorf("create %s: option %q holds a NUL byte: %w", name, k, errdefs.ErrInvalid)
		}
	}
	return nil
}

// mountFlags are mount(8)'s flag options; other options go to the file
// system as its data.
var mountFlags = map[string]struct {
	clear bool
	flag  uintptr
}{
	"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"nosuid": {false, unix.MS_NOSUID}, "suid": {true, unix.MS_NOSUID},
	"nodev": {false, unix.MS_NODEV}, "dev": {true, unix.MS_NODEV},
	"noexec": {false, unix.MS_NOEXEC}, "exec": {true, unix.MS_NOEXEC},
	"sync": {false, unix.MS_SYNCHRONOUS}, "async": {true, unix.MS_SYNCHRONOUS},
	"noatime": {false, unix.MS_NOATIME}, "atime": {true, unix.MS_NOATIME},
	"nodiratime": {false, unix.MS_NODIRATIME}, "diratime": {true, unix.MS_NODIRATIME},
	"relatime": {false, unix.MS_RELATIME}, "norelatime": {true, unix.MS_RELATIME},
	"strictatime": {false, unix.MS_STRICTATIME},
	"bind":        {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	"defaults": {false, 0},
}

// parseMountOptions splits o= into mount flags and file-system data.
func parseMountOptions(o string) (uintptr, string) {
	var flags uintptr
	var data []string
	for _, opt := range strings.Split(o, ",") {
		if opt == "" {
			continue
		}
		if f, ok := mountFlags[opt]; ok {
			if f.clear {
				flags &^= f.flag
			} else {
				flags |= f.flag
			}
			continue
		}
		data = append(data, opt)
	}
	return flags, strings.Join(data, ",")
}

// mountVolumes mounts the volumes with options among a container's mounts
// that are not mounted yet. The start path calls it before copy-up.
func (e *Engine) mountVolumes(r *record) error {
	for _, mp := range r.Mounts {
		if mp.Type != "volume" {
			continue
		}
		v, err := e.loadVolume(mp.Name)
		if err != nil || len(v.Options) == 0 {
			continue
		}
		if err := mountVolume(v); err != nil {
			return err
		}
	}
	return nil
}

// mountVolume mounts v's file system on its _data unless it is mounted;
// a lock on the volume's directory keeps two starts from mounting twice.
func mountVolume(v *Volume) error {
	dir, err := os.Open(filepath.Dir(v.Mountpoint))
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := unix.Flock(int(dir.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	if ok, err := mountinfo.Mounted(v.Mountpoint); err != nil || ok {
		return err
	}
	o := v.Options
	flags, data := parseMountOptions(o["o"])
	fstype := o["type"]
	if flags&unix.MS_BIND != 0 {
		fstype, data = "", "" // a bind takes no type or data
	}
	err = unix.Mount(o["device"], v.Mountpoint, fstype, flags&^unix.MS_RDONLY, data)
	if err == nil && flags&unix.MS_RDONLY != 0 {
		// a bind is made read-only by a remount; for others ro at once
		if flags&unix.MS_BIND != 0 {
			err = unix.Mount("", v.Mountpoint, "", flags|unix.MS_REMOUNT, "")
		} else {
			unix.Unmount(v.Mountpoint, unix.MNT_DETACH)
			err = unix.Mount(o["device"], v.Mountpoint, fstype, flags, data)
		}
		if err != nil {
			unix.Unmount(v.Mountpoint, unix.MNT_DETACH)
		}
	}
	if err != nil {
		// moby/sys/mount's mountError, as docker prints it
		what := "mount " + o["device"] + ":" + v.Mountpoint
		if flags != 0 {
			what += fmt.Sprintf(", flags: %#x", flags)
		}
		if data != "" {
			what += ", data: " + data
		}
		return fmt.Errorf("error while mounting volume '%s': failed to mount local volume: %s: %v: %w",
			v.Mountpoint, what, err, errdefs.ErrFailedPrecondition)
	}
	return nil
}

// unmountVolume takes the volume's file system off its _data before the
// directory is removed, so that removing a bind volume never deletes the
// host directory's files. It fails when _data stays a mount point.
func unmountVolume(data string) error {
	for range 8 {
		ok, err := mountinfo.Mounted(data)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		if !ok {
			return nil
		}
		if err := unix.Unmount(data, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
			return fmt.Errorf("unmounting %s: %v", data, err)
		}
	}
	return fmt.Errorf("%s is still a mount point: %w", data, errdefs.ErrFailedPrecondition)
}
