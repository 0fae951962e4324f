package debug

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Shells are the shells berth tries, in order, when none is asked for.
var Shells = []string{"/bin/sh", "/bin/bash", "/bin/ash", "/busybox/sh"}

// FindShell returns the first of candidates present in the overlay made of
// upper over lowers (top first), as the container would see it: a
// whiteout in a higher directory hides the path below. Symbolic links are
// followed within the overlay (/bin/sh -> busybox).
func FindShell(upper string, lowers []string, candidates []string) (string, error) {
	dirs := append([]string{upper}, lowers...)
	for _, c := range candidates {
		if present(dirs, c, 0) {
			return c, nil
		}
	}
	return "", fmt.Errorf("no shell in the container's file system (tried %s)", strings.Join(candidates, ", "))
}

// present reports whether path is a file in the overlay of dirs, resolving
// symbolic links (in any component, up to 16) within the overlay, never on
// the host.
func present(dirs []string, path string, depth int) bool {
	if depth > 16 {
		return false
	}
	parts := strings.Split(strings.Trim(filepath.Clean("/"+path), "/"), "/")
	cur := "/"
	for i, part := range parts {
		next := filepath.Join(cur, part)
		fi, full, ok := lookup(dirs, next)
		if !ok {
			return false
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(full)
			if err != nil {
				return false
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(cur, target)
			}
			return present(dirs, filepath.Join(append([]string{target}, parts[i+1:]...)...), depth+1)
		}
		if i == len(parts)-1 {
			return !fi.IsDir()
		}
		cur = next
	}
	return false
}

// lookup finds path (free of symbolic links but in its last component) in
// the topmost directory that has it; a whiteout there means it is gone.
func lookup(dirs []string, path string) (os.FileInfo, string, bool) {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		full := filepath.Join(d, path)
		fi, err := os.Lstat(full)
		if err != nil {
			continue
		}
		return fi, full, !whiteout(fi)
	}
	return nil, "", false
}

// whiteout is overlayfs's mark of a deleted path: a 0/0 character device.
func whiteout(fi os.FileInfo) bool {
	if fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Rdev == 0
}
