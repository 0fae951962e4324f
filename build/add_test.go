package build

import (
	"archive/tar"
	"bytes"
	"io"
	"path/filepath"
	"testing"
)

// ADD unpacks a local archive into the destination, and copies what
// follows it as COPY does: every source reaches the layer.
func TestWriteTarExtractsALocalArchive(t *testing.T) {
	dir := t.TempDir()
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	tw.WriteHeader(&tar.Header{Name: "x/y", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5})
	tw.Write([]byte("hello"))
	tw.Close()
	write(t, dir, "a.tar", archive.String())
	write(t, dir, "plain.txt", "plain")
	c, err := OpenContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g, err := Sources(c.Root, []string{"a.tar", "plain.txt"}, c)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTar(&buf, g, CopySpec{Dest: "/d/", DestDir: true, Extract: true}); err != nil {
		t.Fatalf("WriteTar(ADD) = %v", err)
	}
	got := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the layer: %v", err)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = string(b)
	}
	if got["d/x/y"] != "hello" || got["d/plain.txt"] != "plain" {
		t.Errorf("ADD a.tar plain.txt /d/ wrote %q; want d/x/y unpacked and d/plain.txt copied", got)
	}
	if _, ok := got["d/a.tar"]; ok {
		t.Error("the archive itself was copied, not unpacked")
	}
}

// COPY writes into the destination as a directory when it ends in a
// slash or names ".", when there are several sources or files, and when
// the one source is a directory; one file goes to the destination itself.
func TestDestIsDir(t *testing.T) {
	file := Group{Src: "f", Files: []File{{Path: "f"}}}
	two := Group{Src: "*.txt", Files: []File{{Path: "a.txt"}, {Path: "b.txt"}}}
	dirGroup := Group{Src: "d", Dir: true, Files: []File{{Path: filepath.Join("d", "f")}}}
	emptyDir := Group{Src: "e", Dir: true}
	for _, tt := range []struct {
		dest   string
		groups []Group
		want   bool
	}{
		{"/dst", []Group{file}, false},
		{"/dst/", []Group{file}, true},
		{".", []Group{file}, true},
		{"/dst/.", []Group{file}, true},
		{"/dst", []Group{file, file}, true},
		{"/dst", []Group{two}, true},
		{"/dst", []Group{dirGroup}, true},
		{"/dst", []Group{emptyDir}, true},
	} {
		if got := DestIsDir(tt.dest, tt.groups); got != tt.want {
			t.Errorf("DestIsDir(%q, %d groups) = %v, want %v", tt.dest, len(tt.groups), got, tt.want)
		}
	}
}
