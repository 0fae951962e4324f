package integration

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	ggcrname "github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/testutil"
	"github.com/berthdev/berth/layers/hostiletest"
)

// TestHostileLoad runs the hostile-layer corpus through the real load path:
// `berth load` of a docker-archive written by go-containerregistry. Each
// refused case prints exactly one error line naming the layer file and the
// entry, and leaves the store (every path, mode and content) as it was;
// each accepted one unpacks, at `berth create`, into what it must.
func TestHostileLoad(t *testing.T) {
	testutil.RequiresRoot(t)
	root := tempStore(t)
	run := func(args ...string) (string, string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, berthBin, append([]string{"--root", root}, args...)...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("berth %v: %v", args, err)
		}
		return out.String(), errb.String(), code
	}
	if _, stderr, code := run("images"); code != 0 {
		t.Fatalf("berth images: %d %s", code, stderr)
	}
	sentinel := filepath.Join(root, "snapshots", hostiletest.Sentinel)
	if err := os.MkdirAll(sentinel, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sentinel, hostiletest.SentinelFile), []byte("sentinel"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range hostiletest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			img, err := hostiletest.Image(c)
			if err != nil {
				t.Fatal(err)
			}
			ref := "hostile/" + c.Name + ":1"
			tag, err := ggcrname.NewTag(ref)
			if err != nil {
				t.Fatal(err)
			}
			archive := filepath.Join(t.TempDir(), "image.tar")
			if err := tarball.WriteToFile(archive, tag, img); err != nil {
				t.Fatalf("tarball.WriteToFile = %v", err)
			}
			digest, _ := img.Layers()
			d, _ := digest[0].Digest()
			before := dirState(t, root)
			_, stderr, code := run("load", "-i", archive)
			if c.Want == "" {
				if code != 0 {
					t.Fatalf("berth load: exit %d: %s", code, stderr)
				}
				checkLoaded(t, run, root, c, ref)
				return
			}
			want := "berth: loading archive: layer " + d.Hex + ".tar.gz: " + c.Want + "\n"
			if !strings.HasPrefix(string(c.Blob), "\x1f\x8b") {
				want = strings.Replace(want, ".tar.gz:", ".tar:", 1)
			}
			if code == 0 || stderr != want {
				t.Fatalf("berth load: exit %d, stderr\n%q\nwant\n%q", code, stderr, want)
			}
			if after := dirState(t, root); after != before {
				t.Errorf("store changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
	for _, p := range []string{hostiletest.Absolute, "/x", "/keep"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	if b, err := os.ReadFile(filepath.Join(sentinel, hostiletest.SentinelFile)); err != nil || string(b) != "sentinel" {
		t.Errorf("sentinel = %q, %v", b, err)
	}
}

// checkLoaded creates a container of an accepted case's image, which
// unpacks its snapshot, and checks the snapshot.
func checkLoaded(t *testing.T, run func(...string) (string, string, int), root string, c hostiletest.Case, ref string) {
	t.Helper()
	id, stderr, code := run("create", ref, "/x")
	if code != 0 {
		t.Fatalf("berth create: exit %d: %s", code, stderr)
	}
	defer run("rm", "-f", strings.TrimSpace(id))
	snap := filepath.Join(root, "snapshots", c.DiffID.Hex)
	switch c.Check {
	case "xattrs":
		for _, x := range []struct{ path, name string }{{"d", "trusted.overlay.redirect"}, {"d", "trusted.overlay.opaque"},
			{"f", "trusted.overlay.metacopy"}, {"f", "security.selinux"}} {
			if _, err := unix.Lgetxattr(filepath.Join(snap, x.path), x.name, make([]byte, 256)); err == nil {
				t.Errorf("%s: the layer's xattr %s was applied", x.path, x.name)
			}
		}
	case "device":
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(snap, "dev/sda"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
			t.Errorf("dev/sda in the snapshot: %+v, %v", st, err)
		}
	default:
		t.Fatalf("case %s: accepted, with nothing to check", c.Name)
	}
}

// dirState lists everything under root with type, mode, owner and a
// digest of each file's content; the lock file's content (its holder
// record, rewritten by every locking command) is left out.
func dirState(t *testing.T, root string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		if fi.Mode().IsRegular() && rel != "lock" {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			line += fmt.Sprintf(" %d %x", len(data), sum[:8])
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", root, err)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
