package build

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// hostile lays out a context whose symlinks point at a host directory
// holding a secret. ctx/<host dir> holds the context's own file of that
// name, which is what docker copies for an absolute link.
func hostile(t *testing.T) (ctx, host string) {
	t.Helper()
	tmp := t.TempDir()
	host = filepath.Join(tmp, "host")
	write(t, host, "secret", "HOST-SECRET")
	write(t, host, "only-on-host", "HOST-SECRET")
	ctx = filepath.Join(tmp, "ctx")
	write(t, ctx, filepath.Join(host, "secret"), "ctx-own") // ctx/tmp/.../host/secret
	for name, target := range map[string]string{
		"abs":      host,                                    // an absolute link to the host's directory
		"up":       "../host",                               // a relative link climbing out
		"deep":     "../../../../../../../../../../" + host, // more ".." than there are levels
		"file":     filepath.Join(host, "secret"),           // a link to the host's file
		"hostonly": filepath.Join(host, "only-on-host"),
		"d/nested": "../../host", // inside a directory COPY walks
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(ctx, name)), 0o755)
		if err := os.Symlink(target, filepath.Join(ctx, name)); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, host
}

// tarOf writes the layer COPY srcs makes and returns name -> content
// (symlinks as "-> target").
func tarOf(t *testing.T, c *Context, dest string, srcs ...string) (map[string]string, error) {
	t.Helper()
	g, err := Sources(c.Root, srcs, c)
	if err != nil {
		return nil, err
	}
	if _, err := Checksum(g); err != nil {
		t.Fatalf("Checksum(%v) = %v", srcs, err)
	}
	var buf bytes.Buffer
	if err := WriteTar(&buf, g, CopySpec{Dest: dest, DestDir: DestIsDir(dest, g)}); err != nil {
		t.Fatalf("WriteTar(%v) = %v", srcs, err)
	}
	out := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		switch h.Typeflag {
		case tar.TypeSymlink:
			out[h.Name] = "-> " + h.Linkname
		case tar.TypeLink:
			out[h.Name] = "=> " + h.Linkname
		default:
			out[h.Name] = string(b)
		}
	}
}

func TestSourcesSymlinksResolveInsideContext(t *testing.T) {
	ctx, host := hostile(t)
	c, err := OpenContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hostRel := strings.TrimPrefix(host, "/")
	for _, tc := range []struct {
		src  string
		want string // content of /s; "" = not found
	}{
		{"abs/secret", "ctx-own"},
		{"file", "ctx-own"},
		{"abs/*", "ctx-own"}, // the glob lists the context's directory, not the host's
		{"abs/only-on-host", ""},
		{"abs/only-*", ""},
		{"hostonly", ""},
		{"up/secret", ""},
		{"up/*", ""},
		{"deep/secret", "ctx-own"}, // ".." stops at the root, as at "/"
		{"d/nested/secret", ""},
		{"a*/secret", "ctx-own"},
	} {
		got, err := tarOf(t, c, "/s", tc.src)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "not found") {
				t.Errorf("COPY %s: layer %v, err %v; want not found", tc.src, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("COPY %s: %v", tc.src, err)
			continue
		}
		if s := got["s"]; s != tc.want {
			t.Errorf("COPY %s /s: /s = %q, want %q (layer %v)", tc.src, s, tc.want, got)
		}
	}
	// A directory COPY keeps links as links and never reads through them.
	got, err := tarOf(t, c, "/all/", ".")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range got {
		if strings.Contains(data, "HOST-SECRET") {
			t.Errorf("COPY . took the host's file as %s", name)
		}
	}
	if got["all/abs"] != "-> "+host || got["all/"+hostRel+"/secret"] != "ctx-own" {
		t.Errorf("COPY . = %v", got)
	}
}

func TestSourcesDotDotRefused(t *testing.T) {
	tmp := t.TempDir()
	write(t, tmp, "etc/passwd", "HOST")        // exists above the context
	write(t, tmp, "ctx/etc/passwd", "ctx-own") // what in-root resolution would find
	c, err := OpenContext(filepath.Join(tmp, "ctx"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, src := range []string{"../etc/passwd", "..", "../*/passwd", "etc/../../etc/passwd"} {
		if got, err := tarOf(t, c, "/s", src); err == nil || !strings.Contains(err.Error(), "outside the build context") {
			t.Errorf("COPY %s: layer %v, err %v; want outside the build context", src, got, err)
		}
	}
	// A stage's filesystem has no outside: ".." stops at its root.
	g, err := Sources(c.Root, []string{"../etc/passwd"}, nil)
	if err != nil || len(g[0].Files) != 1 || g[0].Files[0].Path != "etc/passwd" {
		t.Fatalf("Sources(stage, ../etc/passwd) = %v, %v", g, err)
	}
}

func TestSourcesDockerignoreParents(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.txt", "a")
	write(t, dir, "d/b.txt", "b")
	write(t, dir, "d/keep.txt", "k")
	write(t, dir, "d/e/f.txt", "f")
	write(t, dir, "x/y/cache/z.txt", "z")
	write(t, dir, ".dockerignore", "d\n!d/keep.txt\n**/cache\n")
	c, err := OpenContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Named directly, a file below an ignored directory is not there.
	// "x/y/cache/z.txt" needs every parent tried against "**/cache", not
	// only as many leading elements as the pattern has.
	for _, src := range []string{"d/b.txt", "d/e/f.txt", "d/e", "x/y/cache/z.txt", "x/*/cache/z.txt"} {
		if _, err := Sources(c.Root, []string{src}, c); err == nil {
			t.Errorf("Sources(%s) found a file whose parent is ignored", src)
		}
	}
	g, err := Sources(c.Root, []string{"."}, c)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range g[0].Files {
		names = append(names, f.Rel)
	}
	sort.Strings(names)
	// d/keep.txt comes back through the "!" pattern, found below the ignored d.
	if got := strings.Join(names, " "); got != ".dockerignore a.txt d/keep.txt x x/y" {
		t.Errorf("COPY . takes %q", got)
	}
}

func TestChecksumCoversModeLinkTargetAndHardLinks(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "f", "same")
	write(t, dir, "g", "same")
	if err := os.Symlink("aa", filepath.Join(dir, "l")); err != nil {
		t.Fatal(err)
	}
	r := openRoot(t, dir)
	sum := func() string {
		t.Helper()
		g, err := Sources(r, []string{"."}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Checksum(g)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := sum()
	if err := os.Chmod(filepath.Join(dir, "f"), 0o755); err != nil {
		t.Fatal(err)
	}
	afterMode := sum()
	if afterMode == before {
		t.Error("checksum unchanged after a mode change")
	}
	os.Remove(filepath.Join(dir, "l"))
	if err := os.Symlink("bb", filepath.Join(dir, "l")); err != nil { // same length, same mode
		t.Fatal(err)
	}
	afterLink := sum()
	if afterLink == afterMode {
		t.Error("checksum unchanged after a symlink target change")
	}
	if err := os.Chmod(filepath.Join(dir, "f"), 0o644); err != nil {
		t.Fatal(err)
	}
	copies := sum()
	os.Remove(filepath.Join(dir, "g"))
	if err := os.Link(filepath.Join(dir, "f"), filepath.Join(dir, "g")); err != nil {
		t.Fatal(err)
	}
	if sum() == copies { // same names, modes and contents: only the link differs
		t.Error("checksum unchanged when two copies become one hard-linked file")
	}
}

func TestWriteTarKeepsHardLinks(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "d/a", "shared")
	if err := os.Link(filepath.Join(dir, "d/a"), filepath.Join(dir, "d/b")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "d/c", "shared") // equal content, its own inode
	c, err := OpenContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := tarOf(t, c, "/x", "d")
	if err != nil {
		t.Fatal(err)
	}
	if got["x/a"] != "shared" || got["x/b"] != "=> x/a" || got["x/c"] != "shared" {
		t.Errorf("COPY d /x = %v; want x/b a hard link to x/a, x/c a file", got)
	}
}

func TestGlobBadPattern(t *testing.T) {
	r := openRoot(t, t.TempDir())
	if _, err := Sources(r, []string{"a["}, nil); err == nil || !strings.Contains(err.Error(), "pattern") {
		t.Fatalf("Sources(a[) = %v", err)
	}
}

// A COPY source that matches nothing names where it was looked for: the
// build context, or the stage of COPY --from.
func TestSourcesNotFoundSaysWhere(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "present", "x")
	c, err := OpenContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for want, ctx := range map[string]*Context{"not found in the build context": c, "not found in the stage": nil} {
		if _, err := Sources(c.Root, []string{"absent*"}, ctx); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Sources(absent*) = %v, want %q", err, want)
		}
	}
}
