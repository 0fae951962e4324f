package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/berthdev/berth/engine"
)

// nobody is the uid of another user (Debian's nobody).
const nobody = 65534

// TestStoreOwnedByAnotherUser: a user who makes BERTH_ROOT before root
// does (under a sticky /tmp-like directory) and plants a container record
// with a host bind mount gets nothing from root's berth: it refuses the
// store with one line naming the directory, and writes nothing into it.
func TestStoreOwnedByAnotherUser(t *testing.T) {
	t.Parallel()
	tmp := stickyDir(t)
	root := filepath.Join(tmp, "store")
	id := strings.Repeat("ab", 32)
	planted := map[string]string{
		"VERSION": "2\n",
		"containers/" + id + "/config.json": `{"ID":"` + id + `","Name":"evil","Image":"busybox","Path":"/bin/cat",` +
			`"Args":["/host/shadow"],"Host":{"Binds":["/etc:/host"]},"Config":{"WorkingDir":"/"}}`,
		"containers/" + id + "/state.json": `{"status":"created"}`,
	}
	for p, data := range planted {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755)
		writeFile(t, filepath.Join(root, p), data)
	}
	chownR(t, root, nobody)
	t.Cleanup(func() { os.RemoveAll(engine.RunRootFor(root)) })
	before := listTree(t, root)

	for _, args := range [][]string{{"start", "-a", id}, {"ps", "-a"}, {"run", "--rm", "busybox", "true"}} {
		r := berth(t, append([]string{"--root", root}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "directory "+root+" is owned by uid 65534, not root") {
			t.Errorf("berth %s on a store of uid %d: %v", args[0], nobody, r)
		}
		if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("berth %s: error is not one line: %q", args[0], r.stderr)
		}
	}
	if after := listTree(t, root); after != before {
		t.Errorf("the refused store changed:\nbefore %s\nafter  %s", before, after)
	}
	if _, err := os.Stat(engine.RunRootFor(root)); err == nil {
		t.Errorf("a run directory was made for a refused store")
	}
}

// TestStoreDirectoryModes: writable by group, an ancestor writable by
// others without the sticky bit, and a symlink of another user on the
// way are refused; a root-owned sticky parent is fine, and a new store is
// made 0700.
func TestStoreDirectoryModes(t *testing.T) {
	t.Parallel()
	tmp := stickyDir(t)
	refused := func(root, want string) {
		t.Helper()
		r := berth(t, "--root", root, "ps", "-a")
		if r.code == 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("store %s: want refusal %q, got %v", root, want, r)
		}
	}

	groupW := filepath.Join(tmp, "groupw")
	mkdirMode(t, groupW, 0o770)
	refused(groupW, "directory "+groupW+" is writable by group or others (mode 0770)")

	open := filepath.Join(tmp, "open")
	mkdirMode(t, open, 0o777)
	refused(filepath.Join(open, "store"), "directory "+open+" is writable by group or others (mode 0777)")
	if _, err := os.Stat(filepath.Join(open, "store")); err == nil {
		t.Errorf("a store was made under a directory anyone can write")
	}

	target := filepath.Join(tmp, "target")
	mkdirMode(t, target, 0o700)
	link := filepath.Join(tmp, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	refused(link, "directory "+link+": a symbolic link owned by uid 65534")

	fresh := filepath.Join(tmp, "fresh", "store")
	t.Cleanup(func() { dropStore(fresh) })
	ok(t, "--root", fresh, "ps", "-a")
	for _, d := range []string{fresh, filepath.Dir(fresh)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("new store directory %s: %v %v, want mode 0700", d, fi.Mode(), err)
		}
	}
}

// stickyDir is a root-owned directory with /tmp's mode 1777.
func stickyDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "tmp")
	mkdirMode(t, d, 0o1777)
	return d
}

func mkdirMode(t *testing.T, d string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Chmod(d, uint32(mode)); err != nil { // keeps the sticky bit 01000
		t.Fatal(err)
	}
}

func chownR(t *testing.T, root string, uid int) {
	t.Helper()
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// listTree is every path under root with its mode, size and owner.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			b.WriteString(p + " " + fi.Mode().String() + " " + fi.ModTime().String() + "\n")
		}
		return nil
	})
	return b.String()
}
