package layers

import (
	"archive/tar"
	"fmt"
	"io"
)

// extract unpacks the uncompressed layer tarball r into the empty directory
// root, in overlayfs form: whiteouts become 0/0 character devices and
// opaque markers the trusted.overlay.opaque xattr. Every entry is checked
// by checkEntry and written by an unpacker (unpack.go), which the kernel
// confines beneath root. Ownership, modes, device numbers, mtimes and the
// xattrs xattrAllowed accepts are kept.
func extract(r io.Reader, root string) error {
	u, err := newUnpacker(root, modeSnapshot)
	if err != nil {
		return err
	}
	defer u.Close()
	return u.extractTar(r)
}

// extractTar checks each entry of the tar stream r and writes it with u.
func (u *unpacker) extractTar(r io.Reader) error {
	tr := tar.NewReader(r)
	seen := newEntrySet()
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalidIfCorrupt(err)
		}
		name, err := checkEntry(hdr, seen)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		if u.owner != nil {
			if hdr.Uid, hdr.Gid, err = u.owner(hdr.Uid, hdr.Gid); err != nil {
				return fmt.Errorf("tar entry %q: %w", hdr.Name, err)
			}
		}
		if err := u.apply(hdr, name, tr); err != nil {
			return fmt.Errorf("tar entry %q: %w", hdr.Name, invalidIfCorrupt(err))
		}
	}
	u.finish()
	return nil
}
