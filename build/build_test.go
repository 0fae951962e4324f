package build

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, df, want string }{
		{"unknown", "FROM busybox\nFROBNICATE x\n", "Dockerfile:2: FROBNICATE"},
		{"nofrom", "RUN true\n", "Dockerfile"},
		{"badflag", "FROM busybox\nCOPY --bogus=1 a b\n", "Dockerfile:2: COPY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("Dockerfile", []byte(tc.df))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q) = %v, want %q", tc.df, err, tc.want)
			}
		})
	}
}

func TestParseStages(t *testing.T) {
	df, err := Parse("Dockerfile", []byte("FROM busybox AS b\nRUN true\nFROM scratch\nCOPY --from=b /x /x\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(df.Stages) != 2 {
		t.Fatalf("stages = %d", len(df.Stages))
	}
	for ref, want := range map[string]int{"b": 0, "B": 0, "1": 1} {
		if i, ok := df.Stage(ref); !ok || i != want {
			t.Errorf("Stage(%q) = %d %v, want %d", ref, i, ok, want)
		}
	}
	if _, ok := df.Stage("nope"); ok {
		t.Error("Stage(nope) found")
	}
}

func openRoot(t *testing.T, dir string) *Root {
	t.Helper()
	r, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSourcesDockerignoreAndChecksum(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.txt", "a")
	write(t, dir, "d/b.txt", "b")
	write(t, dir, "d/c.log", "c")
	write(t, dir, "d/keep.log", "k")
	write(t, dir, ".dockerignore", "**/*.log\n!d/keep.log\n")
	c, err := OpenContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := Sources(c.Root, []string{"d"}, c)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range g[0].Files {
		names = append(names, f.Rel)
	}
	if got := strings.Join(names, ","); got != "b.txt,keep.log" {
		t.Fatalf("Sources(d) = %s", got)
	}
	sum1, _ := Checksum(g)
	if err := os.Chtimes(filepath.Join(dir, "d/b.txt"), time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	g, _ = Sources(c.Root, []string{"d"}, c)
	if sum2, _ := Checksum(g); sum2 != sum1 {
		t.Error("checksum changed with mtime only")
	}
	write(t, dir, "d/b.txt", "B")
	g, _ = Sources(c.Root, []string{"d"}, c)
	if sum3, _ := Checksum(g); sum3 == sum1 {
		t.Error("checksum unchanged after a content change")
	}
	for _, bad := range []string{"../etc/passwd", "missing", "d/c.log"} {
		if _, err := Sources(c.Root, []string{bad}, c); err == nil {
			t.Errorf("Sources(%s) succeeded", bad)
		}
	}
}

func TestWriteTarChownChmod(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "f", "data")
	g, err := Sources(openRoot(t, dir), []string{"f"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTar(&buf, g, CopySpec{Dest: "/opt/x/f2", UID: 10, GID: 20, Chmod: 0o700, HasChmod: true}); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	var got []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		got = append(got, h.Name)
		if h.Name == "opt/x/f2" && (h.Uid != 10 || h.Gid != 20 || h.Mode&0o777 != 0o700) {
			t.Errorf("f2 = uid %d gid %d mode %o", h.Uid, h.Gid, h.Mode)
		}
	}
	if strings.Join(got, " ") != "opt/ opt/x/ opt/x/f2" {
		t.Fatalf("tar = %v", got)
	}
}

func TestCacheRoundTrip(t *testing.T) {
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k := Key("p", "RUN x", []string{"A=1"}, "")
	if k == Key("p", "RUN x", []string{"A=2"}, "") {
		t.Fatal("build args do not change the key")
	}
	if _, _, ok := c.Get(k); ok {
		t.Fatal("empty cache hit")
	}
	if err := c.Put(k, "sha256:1", "sha256:m1"); err != nil {
		t.Fatal(err)
	}
	if id, d, ok := c.Get(k); !ok || id != "sha256:1" || d != "sha256:m1" {
		t.Fatalf("Get = %q %q %v", id, d, ok)
	}
}
