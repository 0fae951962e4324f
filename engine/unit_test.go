package engine

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The engine's unit tests: a store in t.TempDir opened without root (open
// with a plain MkdirAll for secureDir) and images imported from tarballs
// made here, so everything short of starting a container runs in
// milliseconds and without containers.

// unitEngine opens a fresh store in a temporary directory.
func unitEngine(t *testing.T) *Engine {
	t.Helper()
	return openUnit(t, t.TempDir())
}

// openUnit opens (again) the unit store in dir.
func openUnit(t *testing.T, dir string) *Engine {
	t.Helper()
	e, err := open(Options{Root: filepath.Join(dir, "store"), RunRoot: filepath.Join(dir, "run"), LockTimeout: 5 * time.Second, Binary: "/nonexistent/berth"},
		host{secure: func(d string, _ bool) error { return os.MkdirAll(d, 0o700) }, cgroups: func() []cgroupDir { return nil }})
	if err != nil {
		t.Fatalf("open(%s) = %v", dir, err)
	}
	return e
}

// rootfsTar is a tarball of a tiny root filesystem: /bin/true, /etc/passwd
// and /etc/group (for user resolution), /data/seed (an image volume's
// content).
func rootfsTar(t *testing.T) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name, body string
		mode       int64
	}{
		{"bin/", "", 0o755},
		{"bin/true", "#!/bin/sh\n", 0o755},
		{"etc/", "", 0o755},
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/sh\n", 0o644},
		{"etc/group", "root:x:0:\nwww:x:33:\nstaff:x:50:www\n", 0o644},
		{"data/", "", 0o755},
		{"data/seed", "seed\n", 0o644},
	}
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Uid: os.Geteuid(), Gid: os.Getegid()}
		if f.name[len(f.name)-1] == '/' {
			h.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

// testImage imports rootfsTar as ref with the given Dockerfile changes
// (CMD ["/bin/true"] when none) and returns its ID.
func testImage(t *testing.T, e *Engine, ref string, changes ...string) string {
	t.Helper()
	if len(changes) == 0 {
		changes = []string{`CMD ["/bin/true"]`}
	}
	id, err := e.Import(rootfsTar(t), ref, ImportOptions{Changes: changes, Message: "unit"})
	if err != nil {
		t.Fatalf("Import(%s) = %v", ref, err)
	}
	return id
}

// mustCreate creates a container and returns its ID.
func mustCreate(t *testing.T, e *Engine, o CreateOptions) string {
	t.Helper()
	id, err := e.Create(o)
	if err != nil {
		t.Fatalf("Create(%+v) = %v", o, err)
	}
	return id
}

func TestUnitCreateInspectList(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1", `CMD ["/bin/true"]`, "EXPOSE 80", "ENV A=1", "VOLUME /data", "LABEL x=y", "STOPSIGNAL SIGINT")
	id := mustCreate(t, e, CreateOptions{Name: "web", Image: "unit:1", Host: HostConfig{NetworkMode: "none"}, Env: []string{"B=2"}, Labels: map[string]string{"z": "1"}})
	in, err := e.Inspect("web")
	if err != nil {
		t.Fatalf("Inspect(web) = %v", err)
	}
	if in.ID != id || in.Name != "/web" {
		t.Errorf("Inspect(web) = %s %s", in.ID, in.Name)
	}
	list, err := e.List(true)
	if err != nil || len(list) != 1 {
		t.Fatalf("List(true) = %v, %v", list, err)
	}
	t.Logf("%+v", list[0])
}
