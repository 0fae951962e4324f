package engine

import (
	"fmt"
	"os"
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
