package idmap

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/testutil"
)

// TestUserns3CopyShifted: the chowned copy a layer gets where idmapped
// mounts are unavailable shows what an idmapped mount would: owners
// shifted (unmapped ones the overflow ID), set-ID bits, hard links, links,
// whiteouts, overlay's opaque mark and times kept, a v2 file capability
// made the namespace root's (v3).
func TestUserns3CopyShifted(t *testing.T) {
	testutil.RequiresRoot(t)
	src := filepath.Join(t.TempDir(), "layer")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "bin"), 0o755))
	must(os.Mkdir(filepath.Join(src, "opaque"), 0o755))
	must(unix.Chmod(filepath.Join(src, "opaque"), 0o1777))
	must(os.WriteFile(filepath.Join(src, "bin", "su"), []byte("su"), 0o755))
	must(unix.Chmod(filepath.Join(src, "bin", "su"), 0o4755))
	must(os.WriteFile(filepath.Join(src, "bin", "ping"), []byte("ping"), 0o755))
	must(os.WriteFile(filepath.Join(src, "owned"), []byte("x"), 0o640))
	must(os.Chown(filepath.Join(src, "owned"), 7, 8))
	must(os.WriteFile(filepath.Join(src, "stranger"), nil, 0o600))
	must(os.Chown(filepath.Join(src, "stranger"), 70000, 70000))
	must(os.Link(filepath.Join(src, "owned"), filepath.Join(src, "hard")))
	must(os.Symlink("../owned", filepath.Join(src, "bin", "link")))
	must(unix.Mknod(filepath.Join(src, "gone"), unix.S_IFCHR, 0)) // overlay whiteout
	must(unix.Mkfifo(filepath.Join(src, "fifo"), 0o620))
	must(unix.Chmod(filepath.Join(src, "fifo"), 0o620))
	if err := unix.Setxattr(filepath.Join(src, "opaque"), "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		testutil.Unavailable(t, "trusted xattrs on the test's filesystem: %v", err)
	}
	v2 := make([]byte, capSizeV2)
	binary.LittleEndian.PutUint32(v2, capRevision2|1) // effective
	binary.LittleEndian.PutUint32(v2[4:], 1<<13)      // CAP_NET_RAW permitted
	must(unix.Setxattr(filepath.Join(src, "bin", "ping"), "security.capability", v2, 0))
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must(os.Chtimes(filepath.Join(src, "bin"), old, old))

	uids := []Map{{0, 100000, 65536}}
	gids := []Map{{0, 200000, 65536}}
	dst := filepath.Join(t.TempDir(), "copy")
	must(CopyShifted(src, dst, uids, gids))

	stat := func(p string) unix.Stat_t {
		t.Helper()
		var st unix.Stat_t
		must(unix.Lstat(filepath.Join(dst, p), &st))
		return st
	}
	for _, c := range []struct {
		path     string
		uid, gid uint32
		mode     uint32
	}{
		{".", 100000, 200000, unix.S_IFDIR | 0o755},
		{"bin", 100000, 200000, unix.S_IFDIR | 0o755},
		{"opaque", 100000, 200000, unix.S_IFDIR | 0o1777},
		{"bin/su", 100000, 200000, unix.S_IFREG | 0o4755},
		{"owned", 100007, 200008, unix.S_IFREG | 0o640},
		{"stranger", overflowID, overflowID, unix.S_IFREG | 0o600},
		{"bin/link", 100000, 200000, unix.S_IFLNK | 0o777},
		{"gone", 100000, 200000, unix.S_IFCHR},
		{"fifo", 100000, 200000, unix.S_IFIFO | 0o620},
	} {
		st := stat(c.path)
		if st.Uid != c.uid || st.Gid != c.gid || st.Mode != c.mode {
			t.Errorf("%s: %d:%d mode %o, want %d:%d mode %o", c.path, st.Uid, st.Gid, st.Mode, c.uid, c.gid, c.mode)
		}
	}
	if a, b := stat("owned"), stat("hard"); a.Ino != b.Ino {
		t.Errorf("the hard link became a second file")
	}
	if got, _ := os.Readlink(filepath.Join(dst, "bin", "link")); got != "../owned" {
		t.Errorf("link to %q", got)
	}
	if st := stat("gone"); st.Rdev != 0 {
		t.Errorf("whiteout's device %d", st.Rdev)
	}
	if got, err := getXattr(filepath.Join(dst, "opaque"), "trusted.overlay.opaque"); err != nil || string(got) != "y" {
		t.Errorf("opaque mark: %q, %v", got, err)
	}
	cp, err := getXattr(filepath.Join(dst, "bin", "ping"), "security.capability")
	if err != nil || len(cp) != capSizeV3 || binary.LittleEndian.Uint32(cp)&capRevisionMask != capRevision3 ||
		binary.LittleEndian.Uint32(cp[4:]) != 1<<13 || binary.LittleEndian.Uint32(cp[capSizeV2:]) != 100000 {
		t.Errorf("file capability %x, %v; want v3 with CAP_NET_RAW for root ID 100000", cp, err)
	}
	if st := stat("bin"); time.Unix(st.Mtim.Unix()).UTC() != old {
		t.Errorf("bin's mtime %v, want %v", time.Unix(st.Mtim.Unix()).UTC(), old)
	}
	// The source is untouched.
	var st unix.Stat_t
	must(unix.Lstat(filepath.Join(src, "bin", "su"), &st))
	if st.Uid != 0 || st.Mode != unix.S_IFREG|0o4755 {
		t.Errorf("source changed: %d mode %o", st.Uid, st.Mode)
	}
	if err := CopyShifted(src, dst, uids, gids); err == nil {
		t.Errorf("a copy over an existing one was accepted")
	}
}
