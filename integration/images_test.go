package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
)

// TestImageRoundTrip: save → rmi → load gives back the same image, by the CLI.
func TestImageRoundTrip(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	b := func(args ...string) string { return ok(t, append([]string{"--root", root}, args...)...) }
	b("bootstrap")
	id := b("image", "inspect", "-f", "{{.Id}}", "busybox")
	digest := b("image", "inspect", "-f", "{{index .RepoDigests 0}}", "busybox")
	b("tag", "busybox", "class/box:v1")
	for _, format := range []string{"docker-archive", "oci-archive"} {
		archive := filepath.Join(t.TempDir(), "images.tar")
		b("save", "--format", format, "-o", archive, "busybox", "class/box:v1")
		b("rmi", "busybox", "class/box:v1")
		if out := b("images", "-q"); out != "" {
			t.Fatalf("%s: images left after rmi: %q", format, out)
		}
		loaded := b("load", "-i", archive)
		if !strings.Contains(loaded, "busybox:latest") || !strings.Contains(loaded, "class/box:v1") {
			t.Errorf("%s: load printed %q", format, loaded)
		}
		if got := b("image", "inspect", "-f", "{{.Id}}", "class/box:v1"); got != id {
			t.Errorf("%s: image ID after round trip %s, want %s", format, got, id)
		}
		if got := b("image", "inspect", "-f", "{{index .RepoDigests 0}}", "busybox"); got != digest {
			t.Errorf("%s: digest after round trip %s, want %s", format, got, digest)
		}
	}
	// Runs after loading.
	if out := b("run", "--rm", "class/box:v1", "echo", "loaded"); out != "loaded" {
		t.Errorf("run of loaded image: %q", out)
	}
}

// TestRmiInUse: an image a container uses is refused without -f, and with -f
// only untagged: the container still starts.
func TestRmiInUse(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	b := func(args ...string) string { return ok(t, append([]string{"--root", root}, args...)...) }
	b("bootstrap")
	b("tag", "busybox", "mine:1")
	b("create", "--name", "user", "mine:1", "echo", "still here")
	// Untagging one of several names is allowed, as in docker; removing
	// the last name of an image in use is not.
	b("rmi", "mine:1")
	r := berth(t, "--root", root, "rmi", "busybox")
	if r.code != 1 || !strings.Contains(r.stderr, "(must force) - container ") || !strings.Contains(r.stderr, "is using its referenced image") {
		t.Fatalf("rmi of an image in use: %v", r)
	}
	b("rmi", "-f", "busybox")
	r = berth(t, "--root", root, "start", "-a", "user")
	if r.code != 0 || r.stdout != "still here\n" {
		t.Fatalf("container after rmi -f of its image: %v", r)
	}
}

// TestImportAndPeers: a rootfs tarball imports and runs; skopeo reads what
// berth saves, and berth loads what skopeo writes.
func TestImportAndPeers(t *testing.T) {
	t.Parallel()
	testutil.RequiresCommand(t, "skopeo")
	root := tempStore(t)
	b := func(args ...string) string { return ok(t, append([]string{"--root", root}, args...)...) }
	b("bootstrap")
	dir := t.TempDir()
	saved := filepath.Join(dir, "bb.tar")
	b("save", "-o", saved, "busybox")
	out, err := exec.Command("skopeo", "inspect", "docker-archive:"+saved).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"Architecture"`) {
		t.Fatalf("skopeo inspect of berth's archive: %v\n%s", err, out)
	}
	copied := filepath.Join(dir, "copied.tar")
	if out, err := exec.Command("skopeo", "copy", "docker-archive:"+saved, "oci-archive:"+copied+":peer/box:skopeo").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, out)
	}
	if loaded := b("load", "-i", copied); !strings.Contains(loaded, "peer/box:skopeo") {
		t.Errorf("load of skopeo's archive printed %q", loaded)
	}
	if out := b("run", "--rm", "peer/box:skopeo", "echo", "from skopeo"); out != "from skopeo" {
		t.Errorf("run of skopeo's image: %q", out)
	}
	// import: a directory tree becomes a one-layer image.
	rootfs := filepath.Join(dir, "rootfs")
	os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755)
	data, _ := os.ReadFile("/bin/busybox")
	os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), data, 0o755)
	os.Symlink("busybox", filepath.Join(rootfs, "bin", "sh"))
	os.Symlink("busybox", filepath.Join(rootfs, "bin", "cat"))
	os.WriteFile(filepath.Join(rootfs, "hello.txt"), []byte("imported\n"), 0o644)
	b("import", "-c", "CMD [\"/bin/cat\", \"/hello.txt\"]", rootfs, "imported:latest")
	if out := b("run", "--rm", "imported"); out != "imported" {
		t.Errorf("run of imported image: %q", out)
	}
	// A corrupt tarball: one line, and nothing new in the store.
	before := b("images", "-q")
	bad := filepath.Join(dir, "bad.tar")
	os.WriteFile(bad, []byte("this is not a tarball at all"), 0o644)
	r := berth(t, "--root", root, "load", "-i", bad)
	if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("load of garbage: %v", r)
	}
	if after := b("images", "-q"); after != before {
		t.Errorf("failed load changed the image list: %q -> %q", before, after)
	}
}
