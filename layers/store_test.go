package layers

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/testutil"
)

func TestNormalizeRef(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                          "docker.io/library/busybox:latest",
		"busybox:1.36":                     "docker.io/library/busybox:1.36",
		"user/app":                         "docker.io/user/app:latest",
		"docker.io/library/busybox:latest": "docker.io/library/busybox:latest",
		"localhost:5000/x":                 "localhost:5000/x:latest",
		"quay.io/a/b:c":                    "quay.io/a/b:c",
		"busybox@sha256:" + strings.Repeat("a", 64): "docker.io/library/busybox@sha256:" + strings.Repeat("a", 64),
	} {
		if got, err := NormalizeRef(in); got != want || err != nil {
			t.Errorf("NormalizeRef(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Bad", "a:b:c", "x y"} {
		if _, err := NormalizeRef(bad); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("NormalizeRef(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	for in, want := range map[string]string{
		"docker.io/library/busybox:latest": "busybox:latest",
		"docker.io/user/app:1":             "user/app:1",
		"localhost:5000/x:latest":          "localhost:5000/x:latest",
	} {
		if got := FamiliarName(in); got != want {
			t.Errorf("FamiliarName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	s := newStore(t)
	a := mustImport(t, s, makeTar(t, reg("a", "a")), "app:1")
	b := mustImport(t, s, makeTar(t, reg("b", "b")), "")
	hexA := strings.TrimPrefix(a.ID, "sha256:")
	for ref, want := range map[string]*Image{
		"app:1": a, "docker.io/library/app:1": a, hexA: a, hexA[:12]: a, a.ID: a, "sha256:" + hexA[:8]: a,
		"app@" + a.Digest: a, b.ID: b,
	} {
		got, err := s.Resolve(ref)
		if err != nil || got.ID != want.ID {
			t.Errorf("Resolve(%q) = %v, %v; want %s", ref, got, err, want.ID)
		}
	}
	for _, ref := range []string{"app", "nosuch:1", "ffffffffffff", "app@sha256:" + strings.Repeat("0", 64)} {
		if _, err := s.Resolve(ref); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("Resolve(%q) = %v, want ErrNotFound", ref, err)
		}
	}
	// The shortest prefix: ambiguous or not, never wrong.
	if img, err := s.Resolve(hexA[:1]); err == nil && img.ID != a.ID || err != nil && !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("Resolve(%q) = %v, %v", hexA[:1], img, err)
	}
}

func TestTagRemove(t *testing.T) {
	s := newStore(t)
	empty := storeState(t, s)
	img := mustImport(t, s, makeTar(t, reg("f", "data")), "one:1")
	if _, err := s.LowerDirs(img); err != nil {
		t.Fatal(err)
	}
	if err := s.Tag("one:1", "two"); err != nil {
		t.Fatalf("Tag = %v", err)
	}
	list, _ := s.List()
	if len(list) != 1 || !reflect.DeepEqual(list[0].Names, []string{"docker.io/library/one:1", "docker.io/library/two:latest"}) {
		t.Fatalf("List = %+v", list)
	}
	if _, err := s.Remove(img.ID, false); !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Fatalf("Remove by ID of a multi-name image = %v, want ErrFailedPrecondition", err)
	}
	rm, err := s.Remove("one:1", false)
	if err != nil || !reflect.DeepEqual(rm.Untagged, []string{"one:1"}) || rm.Deleted != nil {
		t.Fatalf("Remove(one:1) = %+v, %v", rm, err)
	}
	if _, err := s.Resolve("two"); err != nil {
		t.Fatalf("two gone after untagging one: %v", err)
	}
	rm, err = s.Remove("two", false)
	if err != nil || !reflect.DeepEqual(rm.Untagged, []string{"two:latest"}) || len(rm.Deleted) != 2 || rm.Deleted[0] != img.ID {
		t.Fatalf("Remove(two) = %+v, %v", rm, err)
	}
	if got := storeState(t, s); got != empty {
		t.Errorf("after removing everything:\n%s\nwant\n%s", got, empty)
	}
}

func TestRemoveKeepsSharedLayers(t *testing.T) {
	s := newStore(t)
	data := makeTar(t, reg("shared", "s"))
	a := mustImport(t, s, data, "a:1")
	b := mustImport(t, s, data, "b:1") // same layer, another config
	dirs, _ := s.LowerDirs(a)
	if _, err := s.Remove("a:1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dirs[0]); err != nil {
		t.Errorf("shared snapshot removed: %v", err)
	}
	if _, err := s.LowerDirs(b); err != nil {
		t.Errorf("LowerDirs(b) = %v", err)
	}
	if _, err := s.Untag("b:1"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List(); len(list) != 1 || len(list[0].Names) != 0 {
		t.Errorf("after Untag: %+v", list)
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	testutil.RequiresCommand(t, "busybox")
	bb, _ := exec.LookPath("busybox")
	s1, s2 := newStore(t), newStore(t)
	a, err := s1.Bootstrap(bb)
	if err != nil {
		t.Fatalf("Bootstrap = %v", err)
	}
	b, _ := s2.Bootstrap(bb)
	again, _ := s1.Bootstrap(bb)
	if a.ID != b.ID || a.Digest != b.Digest || again.ID != a.ID {
		t.Fatalf("IDs differ: %s %s %s", a.ID, b.ID, again.ID)
	}
	if list, _ := s1.List(); len(list) != 1 || list[0].Names[0] != BootstrapRef {
		t.Errorf("List = %+v", list)
	}
	if !strings.HasPrefix(a.History[0].CreatedBy, "berth bootstrap: busybox-static 1.") || a.Config.Cmd[0] != "sh" {
		t.Errorf("image = %+v", a)
	}
	dirs, err := s1.LowerDirs(a)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("chroot", dirs[0], "/bin/sh", "-c", "ls /bin/ls && id -un && stat -c %a /tmp").CombinedOutput()
	if err != nil || string(out) != "/bin/ls\nroot\n1777\n" {
		t.Errorf("in the rootfs: %q, %v", out, err)
	}
}

func TestApplyChanges(t *testing.T) {
	c, err := ApplyChanges(ImageConfig{Env: []string{"A=0"}}, []string{
		`CMD ["echo", "hi"]`, "ENTRYPOINT /init --x", `ENV A=1 B="two words"`, "LABEL k=v",
		"WORKDIR /w", "USER nobody", "EXPOSE 80 53/udp", `VOLUME ["/data"]`,
	})
	want := ImageConfig{Env: []string{"A=1", "B=two words"}, Cmd: []string{"echo", "hi"},
		Entrypoint: []string{"/bin/sh", "-c", "/init --x"}, Labels: map[string]string{"k": "v"},
		WorkingDir: "/w", User: "nobody", ExposedPorts: map[string]struct{}{"80/tcp": {}, "53/udp": {}},
		Volumes: map[string]struct{}{"/data": {}}}
	if err != nil || !reflect.DeepEqual(c, want) {
		t.Errorf("ApplyChanges = %+v, %v\nwant %+v", c, err, want)
	}
	if _, err := ApplyChanges(ImageConfig{}, []string{"RUN rm -rf /"}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("ApplyChanges(RUN) = %v", err)
	}
}

func TestOpenKeepsLiveIngest(t *testing.T) {
	s := newStore(t)
	// A file another process is writing right now (recent ctime) must
	// survive an Open; only what nothing touched for an hour goes.
	fresh := filepath.Join(s.ingest, "blob-456")
	os.WriteFile(fresh, []byte("busy"), 0o600)
	if _, err := Open(s.root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh ingest file was removed: %v", err)
	}
}
