package layers

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// A container's writable layer is an overlayfs upper directory: changed
// and new files as they are, a removed path as a 0/0 character device (a
// whiteout), a directory whose lower contents are hidden with the
// trusted.overlay.opaque=y xattr.

// isWhiteout reports whether fi is an overlayfs whiteout.
func isWhiteout(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.Mode()&fs.ModeCharDevice != 0 && st.Rdev == 0
}

func isOpaque(dir string) bool {
	buf := make([]byte, 4)
	n, err := unix.Lgetxattr(dir, overlayOpaqueXA, buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// entryOf describes a file of a directory tree as a FileEntry.
func entryOf(p string, fi fs.FileInfo, full string) FileEntry {
	e := FileEntry{Path: p, Mode: uint32(fi.Mode().Perm()), Size: fi.Size(), Layer: -1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.UID, e.GID, e.Mode = int(st.Uid), int(st.Gid), st.Mode&0o7777
	}
	switch m := fi.Mode(); {
	case m.IsDir():
		e.Type = TypeDir
	case m&fs.ModeSymlink != 0:
		e.Type = TypeSymlink
		e.Link, _ = os.Readlink(full)
	case m&fs.ModeCharDevice != 0:
		e.Type = TypeChar
	case m&fs.ModeDevice != 0:
		e.Type = TypeBlock
	case m&fs.ModeNamedPipe != 0:
		e.Type = TypeFifo
	default:
		e.Type = TypeFile
	}
	if e.Type != TypeFile {
		e.Size = 0
	}
	return e
}

// lowerLookup finds rel ("a/b") in the stacked lower directories (top
// first), as overlayfs would: a whiteout or a non-directory parent in a
// higher layer hides it, and so does an opaque parent.
func lowerLookup(lowers []string, rel string) (fs.FileInfo, string, bool) {
	ps := strings.Split(rel, "/")
	for _, l := range lowers {
		hidden := false
		for i := 1; i < len(ps); i++ {
			a := filepath.Join(l, filepath.Join(ps[:i]...))
			fi, err := os.Lstat(a)
			if err != nil {
				break
			}
			if !fi.IsDir() {
				return nil, "", false
			}
			if isOpaque(a) {
				hidden = true
			}
		}
		full := filepath.Join(l, rel)
		if fi, err := os.Lstat(full); err == nil {
			if isWhiteout(fi) {
				return nil, "", false
			}
			return fi, full, true
		}
		if hidden {
			return nil, "", false
		}
	}
	return nil, "", false
}

// UpperChanges lists what a container's writable layer (upper, an
// overlayfs upper directory) changed in its image (lowers, top first):
// each path added, modified or removed, as docker diff reports them. A
// removed or hidden directory is listed once.
func UpperChanges(upper string, lowers []string) ([]FileEntry, error) {
	var out []FileEntry
	err := filepath.WalkDir(upper, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(upper, full)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		lfi, lfull, inLower := lowerLookup(lowers, rel)
		if isWhiteout(fi) {
			e := FileEntry{Path: "/" + rel, Change: ChangeRemoved, Layer: -1}
			if inLower {
				e.Type = entryOf(e.Path, lfi, lfull).Type
			}
			out = append(out, e)
			return nil
		}
		e := entryOf("/"+rel, fi, full)
		e.Change = ChangeAdded
		if inLower {
			e.Change = ChangeModified
		}
		out = append(out, e)
		if fi.IsDir() && isOpaque(full) {
			out[len(out)-1].Opaque = true
			if inLower && lfi.IsDir() {
				out = append(out, hiddenByOpaque(full, lowers, rel)...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading writable layer: %w", err)
	}
	sortEntries(out)
	return out, nil
}

// hiddenByOpaque lists what the lower layers had directly in directory
// rel that the opaque upper directory full does not have.
func hiddenByOpaque(full string, lowers []string, rel string) []FileEntry {
	var out []FileEntry
	seen := map[string]bool{}
	for _, l := range lowers {
		ents, _ := os.ReadDir(filepath.Join(l, rel))
		for _, ent := range ents {
			name := ent.Name()
			if seen[name] {
				continue
			}
			seen[name] = true
			if _, err := os.Lstat(filepath.Join(full, name)); err == nil {
				continue
			}
			if fi, lf, ok := lowerLookup(lowers, rel+"/"+name); ok {
				out = append(out, FileEntry{Path: "/" + rel + "/" + name, Type: entryOf("", fi, lf).Type, Change: ChangeRemoved, Layer: -1})
			}
		}
		if isOpaque(filepath.Join(l, rel)) {
			break
		}
	}
	return out
}

// WriteUpperTar writes a container's writable layer as an OCI layer
// tarball: overlayfs whiteouts become .wh.<name> entries and opaque
// directories a .wh..wh..opq entry, so that the layer holds exactly the
// container's changes. Names are relative, in lexical order; owners are
// numeric; hard links within the layer are kept; sockets are skipped. A
// file whose name starts with ".wh." is refused: the layer would read it
// as a whiteout.
func WriteUpperTar(w io.Writer, upper string) error {
	tw := tar.NewWriter(w)
	links := map[[2]uint64]string{}
	err := filepath.WalkDir(upper, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(upper, full)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSocket != 0 {
			return nil
		}
		if strings.HasPrefix(path.Base(rel), whiteoutPrefix) {
			return fmt.Errorf("path %q: a name starting with %q has no representation in an OCI layer (it would read as a whiteout): %w",
				"/"+rel, whiteoutPrefix, errdefs.ErrInvalid)
		}
		if isWhiteout(fi) {
			return tw.WriteHeader(&tar.Header{Name: path.Join(path.Dir(rel), whiteoutPrefix+path.Base(rel)),
				Typeflag: tar.TypeReg, Mode: 0o600, ModTime: fi.ModTime(), Format: tar.FormatPAX})
		}
		hdr, err := upperHeader(full, rel, fi, links)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", full, err)
		}
		if hdr.Typeflag == tar.TypeReg && hdr.Size > 0 {
			f, err := os.Open(full)
			if err != nil {
				return err
			}
			_, err = io.CopyN(tw, f, hdr.Size)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w (did it change while committing? use --pause)", full, err)
			}
		}
		if fi.IsDir() && isOpaque(full) {
			return tw.WriteHeader(&tar.Header{Name: rel + "/" + whiteoutOpaque, Typeflag: tar.TypeReg,
				Mode: 0o600, ModTime: fi.ModTime(), Format: tar.FormatPAX})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// upperHeader is the tar header of one file of a writable layer, with its
// extended attributes (overlayfs' own excepted).
func upperHeader(full, rel string, fi fs.FileInfo, links map[[2]uint64]string) (*tar.Header, error) {
	var target string
	if fi.Mode()&fs.ModeSymlink != 0 {
		var err error
		if target, err = os.Readlink(full); err != nil {
			return nil, err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, target)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	hdr.Name = rel
	if fi.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uname, hdr.Gname = "", ""
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	hdr.Format = tar.FormatPAX
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && fi.Mode().IsRegular() && st.Nlink > 1 {
		key := [2]uint64{st.Dev, st.Ino}
		if first, ok := links[key]; ok {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
		} else {
			links[key] = hdr.Name
		}
	}
	for name, value := range xattrs(full) {
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords["SCHILY.xattr."+name] = value
	}
	return hdr, nil
}

// xattrs reads a file's extended attributes, except overlayfs' own.
func xattrs(p string) map[string]string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil || n == 0 {
		return nil
	}
	out := map[string]string{}
	for _, name := range strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00") {
		if name == "" || strings.HasPrefix(name, "trusted.overlay.") {
			continue
		}
		val := make([]byte, 64<<10)
		// An attribute set without a value is kept (empty); one removed
		// since the list (ENODATA) or larger than the buffer is not.
		vn, err := unix.Lgetxattr(p, name, val)
		if err != nil {
			continue
		}
		out[name] = string(val[:vn])
	}
	return out
}
