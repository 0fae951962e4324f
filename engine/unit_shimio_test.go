package engine

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/stream"
)

// TestBroadcasterPipes: the shim's I/O without a container. What the
// container writes to stdout and stderr reaches the JSON-lines log, one
// entry per line with its stream, and every attached client as frames;
// a client's input reaches the container's stdin, and its close ends
// stdin (-i with stdin once); at the exit clients get the exit code.
func TestBroadcasterPipes(t *testing.T) {
	s, _ := testShim(t, container.Running)
	log := &syncBuffer{}
	s.out = newBroadcaster(log)
	s.r.Config.OpenStdin = true
	proc, err := s.newProcess(&specs.Process{Args: []string{"x"}, User: specs.User{UID: 1, GID: 2, AdditionalGids: []uint32{3}}})
	if err != nil {
		t.Fatalf("newProcess = %v", err)
	}
	if proc.UID != 1 || proc.GID != 2 || len(proc.AdditionalGroups) != 1 || !proc.Init {
		t.Errorf("process = uid %d gid %d groups %v", proc.UID, proc.GID, proc.AdditionalGroups)
	}
	// The container's ends, kept open past afterStart (which closes the
	// shim's copies) as the container's own would be.
	dupe := func(f any) *os.File {
		fd, err := unix.Dup(int(f.(*os.File).Fd()))
		if err != nil {
			t.Fatal(err)
		}
		return os.NewFile(uintptr(fd), "child")
	}
	stdout, stderr, stdin := dupe(proc.Stdout), dupe(proc.Stderr), dupe(proc.Stdin)
	defer stdin.Close()

	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(t.TempDir(), "sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	first := make(chan struct{})
	go s.serve(ln, first)
	conn, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	<-first
	if err := s.out.afterStart(); err != nil {
		t.Fatalf("afterStart = %v", err)
	}
	w := stream.NewWriter(conn)
	if err := w.WriteFrame(stream.Stdin, []byte("typed\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil || line != "typed\n" {
		t.Fatalf("container read %q, %v from stdin", line, err)
	}
	w.WriteFrame(stream.CloseStdin, nil)
	stdout.WriteString("out one\nout two\npartial")
	stderr.WriteString("err\n")
	stdout.Close()
	stderr.Close()
	// Stdin is closed once the client closed it: EOF after the line.
	stdin.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := stdin.Read(make([]byte, 8)); n != 0 || err == nil {
		t.Errorf("stdin after CloseStdin: read %d, %v; want EOF", n, err)
	}
	s.out.drain(10 * time.Second)
	s.out.exit(7)

	got := map[stream.Kind]string{}
	for {
		k, p, err := stream.ReadFrame(conn)
		if err != nil {
			break
		}
		got[k] += string(p)
	}
	if got[stream.Stdout] != "out one\nout two\npartial" || got[stream.Stderr] != "err\n" || got[stream.Exit] != "7" {
		t.Errorf("client frames = %q", got)
	}
	var entries []LogEntry
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var le LogEntry
		if err := json.Unmarshal([]byte(l), &le); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		entries = append(entries, le)
	}
	want := map[string]string{"out one\n": "stdout", "out two\n": "stdout", "partial": "stdout", "err\n": "stderr"}
	if len(entries) != len(want) {
		t.Fatalf("log = %+v, want %d entries", entries, len(want))
	}
	for _, le := range entries {
		if want[le.Log] != le.Stream || le.Time.IsZero() {
			t.Errorf("log entry %+v", le)
		}
	}
	s.out.reset()
}

// TestLogWriterSplitsLongLines: a line without end is logged once it has
// reached maxLogLine bytes, so one line cannot grow the shim's memory
// without end.
func TestLogWriterSplitsLongLines(t *testing.T) {
	log := &syncBuffer{}
	lw := &logWriter{b: newBroadcaster(log), stream: "stdout"}
	for i := 0; i < maxLogLine/4096; i++ {
		lw.write([]byte(strings.Repeat("x", 4096)))
	}
	lw.write([]byte("tail\n"))
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log has %d entries, want 2", len(lines))
	}
	for _, l := range lines {
		var le LogEntry
		json.Unmarshal([]byte(l), &le)
		if len(le.Log) > maxLogLine {
			t.Errorf("entry of %d bytes, more than %d", len(le.Log), maxLogLine)
		}
	}
}

// TestRecvFile: the console socket delivers the pty master as a
// descriptor; anything else is refused.
func TestRecvFile(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	defer a.Close()
	defer b.Close()
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Sendmsg(fds[1], []byte("master"), unix.UnixRights(int(f.Fd())), nil, 0); err != nil {
		t.Fatal(err)
	}
	got, err := recvFile(a)
	if err != nil || got.Name() != "master" {
		t.Fatalf("recvFile = %v, %v", got, err)
	}
	got.Close()
	unix.Sendmsg(fds[1], []byte("nofd"), nil, nil, 0)
	if _, err := recvFile(a); err == nil {
		t.Errorf("recvFile of a message without a descriptor succeeded")
	}
}
