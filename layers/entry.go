package layers

import (
	"archive/tar"
	"fmt"
	"path"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
)

// Whiteouts in a layer tarball (the OCI image spec's form) and what
// overlayfs understands instead.
const (
	whiteoutPrefix  = ".wh."
	whiteoutMeta    = ".wh..wh."
	whiteoutOpaque  = ".wh..wh..opq"
	overlayOpaqueXA = "trusted.overlay.opaque"
)

// entrySet remembers the entries of one tarball seen so far, by kind, to
// check links and paths that go through symlinks.
type entrySet map[string]byte

func newEntrySet() entrySet { return entrySet{} }

// checkEntry validates one tar header against the rules every untrusted
// tarball must obey, and returns its cleaned relative name ("." for the
// root). Refused: absolute names, names or hard links escaping the root
// with "..", hard links to anything not earlier in the same tarball, any
// path going through a symlink of the same tarball, unknown entry types.
func checkEntry(hdr *tar.Header, seen entrySet) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("tar entry %q: %s: %w", hdr.Name, why, errdefs.ErrInvalid)
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return bad(err.Error())
	}
	if throughSymlink(name, seen) {
		return bad("path goes through a symlink")
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeDir, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
	case tar.TypeLink:
		target, err := cleanName(hdr.Linkname)
		if err != nil {
			return bad("hard link target " + err.Error())
		}
		if k, ok := seen[target]; !ok || k == tar.TypeDir || throughSymlink(target, seen) {
			return bad(fmt.Sprintf("hard link to %q, which is not an earlier file of the archive", hdr.Linkname))
		}
	case tar.TypeXGlobalHeader:
		return "", nil
	default:
		return bad(fmt.Sprintf("unsupported entry type %q", hdr.Typeflag))
	}
	if name == "." && hdr.Typeflag != tar.TypeDir {
		return bad("the root is not a directory")
	}
	seen[name] = hdr.Typeflag
	return name, nil
}

// cleanName is a tar name made relative and clean, or an error if it is
// absolute or climbs out with "..".
func cleanName(n string) (string, error) {
	if n == "" {
		return "", fmt.Errorf("empty name")
	}
	if path.IsAbs(n) {
		return "", fmt.Errorf("absolute path")
	}
	c := path.Clean(n)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path escapes the root")
	}
	return c, nil
}

// throughSymlink reports whether a parent of name is a symlink already seen.
func throughSymlink(name string, seen entrySet) bool {
	for dir := path.Dir(name); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if seen[dir] == tar.TypeSymlink {
			return true
		}
	}
	return false
}
