package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCommitRoundTrip: run, change files, diff shows them, commit, and a
// container of the new image sees them, removed files staying removed.
func TestCommitRoundTrip(t *testing.T) {
	c := name(t, "src")
	cleanup(t, c)
	ok(t, "run", "--name", c, "busybox", "sh", "-c",
		"echo hi > /etc/motd && rm /bin/vi && mkdir -p /srv/d && echo x > /srv/d/f && rm -rf /usr")
	if got, want := ok(t, "diff", c), "C /bin\nD /bin/vi\nC /etc\nA /etc/motd\nA /srv\nA /srv/d\nA /srv/d/f\nD /usr"; got != want {
		t.Errorf("diff =\n%s\nwant\n%s", got, want)
	}
	img := name(t, "img") + ":v1"
	id := ok(t, "commit", "-m", "round trip", "-a", "tester", "-c", "ENV COMMITTED=yes", c, img)
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("commit printed %q, want an image ID", id)
	}
	t.Cleanup(func() { berth(t, "rmi", "-f", img) })
	got := ok(t, "run", "--rm", img, "sh", "-c", "cat /etc/motd /srv/d/f; echo $COMMITTED; ls /bin/vi /usr 2>&1 | wc -l; ls /bin/ls")
	if want := "hi\nx\nyes\n2\n/bin/ls"; got != want {
		t.Errorf("new container sees\n%s\nwant\n%s", got, want)
	}
	if got := inspectField(t, img, "{{.Author}} {{.Comment}}"); got != "tester round trip" {
		t.Errorf("image author and comment = %q", got)
	}
	// the new layer is exactly the container's changes, whiteouts kept
	if got := ok(t, "layers", img, "--layer", "1"); !strings.Contains(got, "D ") || !strings.Contains(got, "motd") {
		t.Errorf("layers --layer 1 =\n%s", got)
	}
}

// TestCommitRunningPausedAndCp commits a running container (paused while
// its layer is read), and copies files both ways into running and
// stopped containers; export flattens both.
func TestCommitRunningPausedAndCp(t *testing.T) {
	c := name(t, "live")
	cleanup(t, c)
	ok(t, "run", "-d", "--name", c, "busybox", "sh", "-c", "echo live > /tmp/live; sleep 300")
	eventually(t, 10e9, "the container writes its file", func() bool {
		return strings.Contains(ok(t, "diff", c), "A /tmp/live")
	})
	img := name(t, "img") + ":live"
	ok(t, "commit", "-c", `CMD ["cat", "/tmp/live"]`, c, img)
	t.Cleanup(func() { berth(t, "rmi", "-f", img) })
	if got := ok(t, "inspect", "-f", "{{.State.Status}}", c); got != "running" {
		t.Errorf("after commit --pause the container is %s, want running", got)
	}
	if got := ok(t, "run", "--rm", img); got != "live" {
		t.Errorf("committed image's CMD printed %q", got)
	}
	host := t.TempDir()
	writeFile(t, filepath.Join(host, "in.txt"), "from host\n")
	for _, state := range []string{"running", "stopped"} {
		if state == "stopped" {
			ok(t, "stop", "-t", "1", c)
		}
		ok(t, "cp", filepath.Join(host, "in.txt"), c+":/etc/")
		ok(t, "cp", c+":/tmp/live", filepath.Join(host, "live-"+state))
		if data, err := os.ReadFile(filepath.Join(host, "live-"+state)); err != nil || string(data) != "live\n" {
			t.Errorf("%s: cp out = %q, %v", state, data, err)
		}
		out := filepath.Join(host, "export-"+state+".tar")
		ok(t, "export", "-o", out, c)
		if fi, err := os.Stat(out); err != nil || fi.Size() < 100<<10 {
			t.Errorf("%s: export wrote %v, %v", state, fi, err)
		}
	}
	if got := ok(t, "diff", c); !strings.Contains(got, "A /etc/in.txt") {
		t.Errorf("diff after cp in =\n%s", got)
	}
	// a path through a symlink of the container stays inside it
	ok(t, "run", "--name", c+"-ln", "busybox", "ln", "-s", "/", "/escape")
	cleanup(t, c+"-ln")
	ok(t, "cp", filepath.Join(host, "in.txt"), c+"-ln:/escape/tmp/escaped-"+c)
	if _, err := os.Stat("/tmp/escaped-" + c); err == nil {
		t.Errorf("cp through a container's symlink to / wrote to the host's /tmp")
	}
	if got := ok(t, "diff", c+"-ln"); !strings.Contains(got, "A /tmp/escaped-"+c) {
		t.Errorf("cp through the container's symlink: diff =\n%s", got)
	}
	fails(t, 1, []string{"not found"}, "cp", c+":/no/such", host)
}

// TestCpSpecialFiles: fifos and device nodes are copied in both directions
// as docker's tar copy does; sockets are left out.
func TestCpSpecialFiles(t *testing.T) {
	t.Parallel()
	c := name(t, "special")
	cleanup(t, c)
	ok(t, "run", "--name", c, "busybox", "sh", "-c", "mkdir /dev-copy && mknod /dev-copy/null c 1 3 && mkfifo /dev-copy/pipe")
	host := t.TempDir()
	ok(t, "cp", c+":/dev-copy", host)
	for name, want := range map[string]os.FileMode{"null": os.ModeDevice | os.ModeCharDevice, "pipe": os.ModeNamedPipe} {
		fi, err := os.Lstat(filepath.Join(host, "dev-copy", name))
		if err != nil || fi.Mode()&want != want {
			t.Errorf("cp out %s: %v, %v", name, fi, err)
		}
	}
	in := filepath.Join(host, "in")
	os.Mkdir(in, 0o755)
	if err := syscall.Mkfifo(filepath.Join(in, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok(t, "cp", in, c+":/from-host")
	if got := ok(t, "diff", c); !strings.Contains(got, "A /from-host/fifo") {
		t.Errorf("diff after cp in of a fifo:\n%s", got)
	}
	// The copy in left the writable layer usable: the container starts.
	ok(t, "start", c)
}
