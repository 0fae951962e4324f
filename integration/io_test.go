package integration

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestDetachedOutlivesCLIAndLogsGrow(t *testing.T) {
	t.Parallel()
	n := name(t, "d")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "busybox", "sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.1; done")
	lines := func() int { return strings.Count(ok(t, "logs", n), "\n") }
	eventually(t, 10*time.Second, "first log lines", func() bool { return lines() >= 2 })
	first := lines()
	eventually(t, 10*time.Second, "logs to keep growing with no CLI attached", func() bool { return lines() > first+3 })
	if got := ok(t, "logs", "--tail", "1", n); strings.Count(got, "\n") != 0 || !strings.HasPrefix(got, "line") {
		t.Errorf("logs --tail 1 = %q", got)
	}
	ts := ok(t, "logs", "-t", "--tail", "1", n)
	if _, err := time.Parse(time.RFC3339Nano, strings.Fields(ts)[0]); err != nil {
		t.Errorf("logs -t: %q has no timestamp: %v", ts, err)
	}
	if got := ok(t, "logs", "--since", "1h", "--tail", "2", n); strings.Count(got, "\n") != 1 {
		t.Errorf("logs --since 1h --tail 2: %q", got)
	}
	// logs -f follows until the container stops.
	cmd := exec.Command(berthBin, "--root", storeRoot, "logs", "-f", "--tail", "0", n)
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "logs -f to print new lines", func() bool { return strings.Count(out.String(), "\n") >= 3 })
	ok(t, "kill", n)
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("logs -f: %v", err)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("logs -f did not end when the container stopped")
	}
}

func TestStdoutStderrApart(t *testing.T) {
	t.Parallel()
	n := name(t, "s")
	cleanup(t, n)
	r := berth(t, "run", "--name", n, "busybox", "sh", "-c", "echo to-out; echo to-err >&2")
	if r.stdout != "to-out\n" || r.stderr != "to-err\n" {
		t.Fatalf("run: %v", r)
	}
	r = berth(t, "logs", n)
	if r.stdout != "to-out\n" || r.stderr != "to-err\n" {
		t.Fatalf("logs: %v", r)
	}
}

func TestStdinPipe(t *testing.T) {
	t.Parallel()
	r := berthIn(t, "hello\nworld\n", "run", "--rm", "-i", "busybox", "sh", "-c", "tr a-z A-Z; echo done")
	if r.code != 0 || r.stdout != "HELLO\nWORLD\ndone\n" {
		t.Fatalf("run -i with piped stdin: %v", r)
	}
}

func TestExec(t *testing.T) {
	t.Parallel()
	n := name(t, "x")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "-e", "FROM=ctr", "busybox", "sleep", "300")
	if out := ok(t, "exec", "-e", "EXTRA=1", "-w", "/etc", "-u", "nobody", n, "sh", "-c", `echo "$FROM $EXTRA $(pwd) $(id -u)"`); out != "ctr 1 /etc 65534" {
		t.Errorf("exec env/workdir/user: %q", out)
	}
	if r := berth(t, "exec", n, "sh", "-c", "exit 7"); r.code != 7 {
		t.Errorf("exec exit code: %v", r)
	}
	fails(t, 127, []string{"executable file not found"}, "exec", n, "nope")
	if out := ok(t, "exec", "-t", n, "tty"); !strings.HasPrefix(out, "/dev/pts/") {
		t.Errorf("exec -t tty = %q, want /dev/pts/N", out)
	}
	if r := berthIn(t, "abc\n", "exec", "-i", n, "cat"); r.stdout != "abc\n" {
		t.Errorf("exec -i cat: %v", r)
	}
	ok(t, "exec", "-d", n, "sh", "-c", "echo detached > /tmp/d")
	eventually(t, 5*time.Second, "exec -d to run", func() bool {
		return berth(t, "exec", n, "cat", "/tmp/d").stdout == "detached\n"
	})
	top := ok(t, "top", n)
	if !strings.Contains(top, "sleep 300") || !strings.Contains(top, "PID") {
		t.Errorf("top:\n%s", top)
	}
	ok(t, "stop", "-t", "0", n)
	fails(t, 1, []string{n, "is not running"}, "exec", n, "true")
}

// TestInteractiveTTY drives `run -it` through a real pseudo-terminal, as a person would.
func TestInteractiveTTY(t *testing.T) {
	t.Parallel()
	n := name(t, "it")
	cleanup(t, n)
	cmd := exec.Command(berthBin, "--root", storeRoot, "run", "-it", "--name", n, "busybox", "sh")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out syncBuffer
	copied := make(chan struct{})
	go func() { io.Copy(&out, ptmx); close(copied) }() // ends (EIO) once berth has exited
	eventually(t, 10*time.Second, "a shell prompt", func() bool { return strings.Contains(out.String(), "#") })
	io.WriteString(ptmx, "tty; stty size; exit 5\r")
	if err := waitTimeout(cmd, 10*time.Second); err == nil || cmd.ProcessState.ExitCode() != 5 {
		t.Fatalf("run -it: exit %v, output %q", err, out.String())
	}
	// Everything berth wrote is read before it is checked.
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatalf("the terminal's output did not end after berth exited: %q", out.String())
	}
	if s := out.String(); !strings.Contains(s, "/dev/pts/") || !strings.Contains(s, "30 100") {
		t.Errorf("run -it output %q lacks the tty name or the size 30 100", s)
	}

	// Detach with ctrl-p ctrl-q, then attach again.
	n2 := name(t, "dt")
	cleanup(t, n2)
	ok(t, "run", "-dit", "--name", n2, "busybox", "sh")
	att := exec.Command(berthBin, "--root", storeRoot, "attach", n2)
	ptmx2, err := pty.Start(att)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx2.Close()
	var out2 syncBuffer
	go io.Copy(&out2, ptmx2)
	io.WriteString(ptmx2, "echo attached-$((40+2))\r")
	eventually(t, 10*time.Second, "output through attach", func() bool { return strings.Contains(out2.String(), "attached-42") })
	ptmx2.Write([]byte{0x10, 0x11})
	if err := waitTimeout(att, 10*time.Second); err != nil {
		t.Fatalf("attach after ctrl-p ctrl-q: %v (%q)", err, out2.String())
	}
	if got := inspectField(t, n2, "{{.State.Status}}"); got != "running" {
		t.Fatalf("after detaching: status %q", got)
	}
}

// TestSignalProxy: a foreground run without -t passes SIGINT/SIGTERM on.
func TestSignalProxy(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(berthBin, "--root", storeRoot, "run", "--rm", "busybox", "sh", "-c",
		`trap 'echo got-term; exit 42' TERM; echo ready; while true; do sleep 0.1; done`)
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "container ready", func() bool { return strings.Contains(out.String(), "ready") })
	cmd.Process.Signal(syscall.SIGTERM)
	waitTimeout(cmd, 10*time.Second)
	if code := cmd.ProcessState.ExitCode(); code != 42 || !strings.Contains(out.String(), "got-term") {
		t.Fatalf("after SIGTERM: exit %d, output %q", code, out.String())
	}
}

func waitTimeout(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return os.ErrDeadlineExceeded
	}
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
