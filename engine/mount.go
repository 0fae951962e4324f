package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOverlay mounts a container's root filesystem: the image's snapshots
// (top first) under its writable upper directory.
func mountOverlay(lower []string, upper, work, merged string) error {
	if err := os.MkdirAll(merged, 0o755); err != nil {
		return err
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(lower, ":"), upper, work)
	if len(opts) > os.Getpagesize()-1 {
		return fmt.Errorf("overlay mount options are %d bytes, over the kernel's limit of %d: the image has too many layers", len(opts), os.Getpagesize()-1)
	}
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mounting container root filesystem: %w", err)
	}
	return nil
}

// unmount detaches a mount point if mounted; not being mounted is fine.
func unmount(path string) {
	for {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
			return
		}
	}
}

// initLayer is a container's "init" layer, as docker's: the top lowerdir,
// holding the mount points berth bind-mounts over (/etc/hosts,
// /etc/hostname, /etc/resolv.conf), so that runc need not create them in
// the writable layer, where diff and commit would show them.
func (e *Engine) initLayer(id string) (string, error) {
	dir := filepath.Join(e.containerDir(id), "init")
	if _, err := os.Stat(filepath.Join(dir, "etc", "resolv.conf")); err == nil {
		return dir, nil
	}
	// One level at a time, never MkdirAll: a container removed meanwhile
	// must not get its directory back (ENOENT ends the start instead).
	for _, d := range []string{dir, filepath.Join(dir, "etc")} {
		if err := os.Mkdir(d, 0o755); err != nil && !os.IsExist(err) {
			return "", err
		}
	}
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		if err := os.WriteFile(filepath.Join(dir, "etc", f), nil, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}
