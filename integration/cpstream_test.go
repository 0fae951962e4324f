package integration

import (
	"archive/tar"
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCpStreams: `cp C:SRC -` writes a tar stream (links as links, owners
// kept) that tar reads; `cp - C:DIR` extracts one, also into a volume;
// cp sees volumes and the container's /etc/hosts as its processes do,
// running or stopped; a hostile stream cannot write outside DIR.
func TestCpStreams(t *testing.T) {
	t.Parallel()
	n := name(t, "c")
	vol := name(t, "v")
	cleanup(t, n)
	t.Cleanup(func() { berth(t, "volume", "rm", vol) })
	ok(t, "run", "-d", "--name", n, "-v", vol+":/data", "busybox", "sh", "-c",
		"mkdir -p /d/s && echo a > /d/s/a && ln -s a /d/s/l && chown 7:8 /d/s/a && echo v > /data/f && echo ready && sleep 300")
	eventually(t, 10*time.Second, n+" ready", func() bool { return strings.Contains(ok(t, "logs", n), "ready") })

	r := berth(t, "cp", n+":/d", "-")
	if r.code != 0 {
		t.Fatalf("cp %s:/d -: %v", n, r)
	}
	entries := map[string]*tar.Header{}
	tr := tar.NewReader(strings.NewReader(r.stdout))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("cp ... - is not a tar stream: %v", err)
		}
		entries[h.Name] = h
	}
	if h := entries["d/s/l"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "a" {
		t.Errorf("the symlink in the stream: %+v", h)
	}
	if h := entries["d/s/a"]; h == nil || h.Uid != 7 || h.Gid != 8 || h.Size != 2 {
		t.Errorf("the file in the stream: %+v", h)
	}
	for path, want := range map[string]string{"/data/f": "v\n", "/etc/hostname": inspectField(t, n, "{{.Config.Hostname}}") + "\n"} {
		if got := untarOne(t, berth(t, "cp", n+":"+path, "-").stdout); got != want {
			t.Errorf("cp %s:%s -: %q, want %q (volumes and /etc files are the container's)", n, path, got, want)
		}
	}

	// Into a volume, from stdin; then with the container stopped.
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	tw.WriteHeader(&tar.Header{Name: "x/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "x/y", Typeflag: tar.TypeReg, Mode: 0o640, Size: 3, Uid: 5})
	tw.Write([]byte("in\n"))
	tw.Close()
	if r := berthIn(t, in.String(), "cp", "-", n+":/data"); r.code != 0 {
		t.Fatalf("cp - %s:/data: %v", n, r)
	}
	if got := ok(t, "exec", n, "stat", "-c", "%u %a %n", "/data/x/y"); got != "5 640 /data/x/y" {
		t.Errorf("extracted file: %q", got)
	}
	ok(t, "stop", "-t", "0", n)
	if got := untarOne(t, berth(t, "cp", n+":/data/x/y", "-").stdout); got != "in\n" {
		t.Errorf("cp from a stopped container's volume: %q", got)
	}

	// Hostile streams: traversal, an absolute name, a link out.
	for _, h := range []*tar.Header{
		{Name: "../escape", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "/abs", Typeflag: tar.TypeReg, Mode: 0o644},
		{Name: "out", Typeflag: tar.TypeLink, Linkname: "../../../../etc/passwd"},
	} {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		tw.WriteHeader(h)
		tw.Close()
		if r := berthIn(t, b.String(), "cp", "-", n+":/data"); r.code == 0 {
			t.Errorf("cp - of an entry %q (%c): accepted", h.Name, h.Typeflag)
		}
	}
	fails(t, 1, []string{"/nonexist", "not found"}, "cp", "-", n+":/nonexist")
}

// untarOne is the content of the single file in a tar stream.
func untarOne(t *testing.T, stream string) string {
	t.Helper()
	cmd := exec.Command("tar", "-xO")
	cmd.Stdin = strings.NewReader(stream)
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("tar -xO: %v", err)
	}
	return string(out)
}
