package layers

import (
	"io"

	"golang.org/x/sys/unix"
)

// ExtractFiles unpacks the (possibly compressed) tar stream r beneath the
// open directory dirfd, as `berth cp - CONTAINER:DIR` does: entries are
// checked as layer entries are (traversal, absolute names, links out,
// whiteout look-alikes, duplicates) and written by an unpacker that the
// kernel confines beneath dirfd; owners and modes are the archive's;
// device nodes are refused. dirfd stays open; the caller closes it.
func ExtractFiles(r io.Reader, dirfd int) error { return ExtractFilesOwned(r, dirfd, nil) }

// ExtractFilesOwned is ExtractFiles with each entry's owner passed
// through owner first (a user namespace's maps); an error from it ends
// the extraction. A nil owner keeps the archive's.
func ExtractFilesOwned(r io.Reader, dirfd int, owner func(uid, gid int) (int, int, error)) error {
	src, closeSrc, err := decompress(r)
	if err != nil {
		return err
	}
	defer closeSrc()
	fd, err := unix.Dup(dirfd)
	if err != nil {
		return err
	}
	u := &unpacker{root: fd, mode: modeFiles, owner: owner}
	defer u.Close()
	return u.extractTar(src)
}
