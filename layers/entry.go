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

// maxNameLen is the longest entry name accepted: the kernel's PATH_MAX less
// its terminating NUL. A longer name could not be opened by any path-based
// call, so refusing it up front gives one clear error instead of a late
// ENAMETOOLONG half-way through a layer.
const maxNameLen = 4095

// entrySet remembers the entries of one tarball seen so far, by kind, to
// check links, duplicates and paths that go through symlinks.
type entrySet map[string]byte

// kindWhiteout marks a whiteout or opaque marker in an entrySet: neither
// is a file a hard link may point to.
const kindWhiteout byte = 'W'

func newEntrySet() entrySet { return entrySet{} }

// checkEntry validates one tar header against the rules every untrusted
// tarball must obey, and returns its cleaned relative name ("." for the
// root; "" for an entry that carries nothing, a global PAX header).
// Refused: absolute names, names or hard links escaping the root with "..",
// hard links to anything not an earlier file of the same tarball, any path
// going through a symlink of the same tarball, an entry repeated (a
// directory may repeat), whiteout names the OCI image spec does not define
// (see whiteoutTarget), sparse members, unknown entry types, names longer
// than the kernel takes, and a root that is not a directory.
func checkEntry(hdr *tar.Header, seen entrySet) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("tar entry %q: %s: %w", hdr.Name, why, errdefs.ErrInvalid)
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return "", nil
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return bad(err.Error())
	}
	if len(name) > maxNameLen {
		return bad(fmt.Sprintf("name longer than %d bytes", maxNameLen))
	}
	if throughSymlink(name, seen) {
		return bad("path goes through a symlink")
	}
	if p := whiteoutParent(name); p != "" {
		return bad(fmt.Sprintf("parent %q has a whiteout name", p))
	}
	if isSparse(hdr) {
		return bad("sparse file (not accepted in a layer: its holes would unpack to real bytes)")
	}
	kind := hdr.Typeflag
	base := path.Base(name)
	if strings.HasPrefix(base, whiteoutPrefix) {
		if _, _, err := whiteoutTarget(base); err != nil {
			return bad(err.Error())
		}
		kind = kindWhiteout
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA, tar.TypeDir, tar.TypeSymlink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
	case tar.TypeLink:
		target, err := cleanName(hdr.Linkname)
		if err != nil {
			return bad("hard link target " + err.Error())
		}
		if k, ok := seen[target]; !ok || k == tar.TypeDir || k == kindWhiteout || throughSymlink(target, seen) {
			return bad(fmt.Sprintf("hard link to %q, which is not an earlier file of the archive", hdr.Linkname))
		}
	default:
		return bad(fmt.Sprintf("unsupported entry type %q", hdr.Typeflag))
	}
	if name == "." && hdr.Typeflag != tar.TypeDir {
		return bad("the root is not a directory")
	}
	if prev, dup := seen[name]; dup && !(prev == tar.TypeDir && hdr.Typeflag == tar.TypeDir) {
		return bad("duplicate entry")
	}
	seen[name] = kind
	return name, nil
}

// whiteoutTarget parses the base name of an entry starting with ".wh.",
// exactly as the OCI image spec defines whiteouts: ".wh..wh..opq" marks
// its directory opaque, and ".wh.<name>" removes <name>, a plain path
// element of the same directory. Everything else with the prefix is
// refused: an empty name, "." or "..", and any other ".wh..wh." name
// (AUFS metadata such as .wh..wh.plnk has no meaning for overlayfs, and a
// name of that form could not be told apart from one berth should have
// acted on).
func whiteoutTarget(base string) (target string, opaque bool, err error) {
	if base == whiteoutOpaque {
		return "", true, nil
	}
	if strings.HasPrefix(base, whiteoutMeta) {
		return "", false, fmt.Errorf("whiteout metadata %q is not defined by the OCI image spec", base)
	}
	target = strings.TrimPrefix(base, whiteoutPrefix)
	switch {
	case target == "":
		return "", false, fmt.Errorf("whiteout of an empty name")
	case target == "." || target == "..":
		return "", false, fmt.Errorf("whiteout of %q, which is not a plain name", target)
	case strings.ContainsAny(target, "/\x00"):
		return "", false, fmt.Errorf("whiteout of %q, which is not a plain name", target)
	}
	return target, false, nil
}

// whiteoutParent returns the first parent directory of name whose own
// name starts with ".wh.": a whiteout is a file, never a directory that
// holds something.
func whiteoutParent(name string) string {
	dir := path.Dir(name)
	if dir == "." {
		return ""
	}
	for _, part := range strings.Split(dir, "/") {
		if strings.HasPrefix(part, whiteoutPrefix) {
			return part
		}
	}
	return ""
}

// isSparse reports whether hdr is a sparse member, in GNU's old form or
// in one of the PAX forms (archive/tar expands both transparently, so a
// few kilobytes of archive read as gigabytes of zeros).
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
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
	if strings.IndexByte(n, 0) >= 0 {
		return "", fmt.Errorf("NUL byte in name")
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
