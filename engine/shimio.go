package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/creack/pty"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/stream"
)

// broadcaster is the shim's I/O: it owns the container's stdio, copies
// output to the JSON-lines log and to every attached client, and feeds
// clients' input to the container.
type broadcaster struct {
	logMu sync.Mutex
	log   io.Writer

	mu      sync.Mutex
	clients map[*client]struct{}

	tty        bool
	stdinOnce  bool
	master     *os.File       // pty master (tty)
	stdin      io.WriteCloser // pipe to the container's stdin (-i without -t)
	outputs    []output       // read ends the pumps read
	childEnds  []*os.File     // the container's ends, closed here once it started
	consoleSoc *os.File       // our end of the console socket (tty)
	input      chan inputMsg  // queued until the process runs
	ioMu       sync.Mutex     // master and stdin, which a restart replaces
	feedOnce   sync.Once
	pumps      sync.WaitGroup
	writers    sync.WaitGroup
}

type output struct {
	r      *os.File
	stream string
	kind   stream.Kind
}

type inputMsg struct {
	kind stream.Kind
	data []byte
}

type client struct {
	conn net.Conn
	w    *stream.Writer
	ch   chan inputMsg // frames to send to this client
}

func newBroadcaster(log io.Writer) *broadcaster {
	return &broadcaster{log: log, clients: map[*client]struct{}{}, input: make(chan inputMsg, 1024)}
}

// newProcess builds the container's init process with its stdio wired to
// the broadcaster: pipes, or a console socket for -t.
func (s *shim) newProcess(p *specs.Process) (*libcontainer.Process, error) {
	b := s.out
	r := s.r
	b.tty, b.stdinOnce = r.Config.Tty, r.Config.OpenStdin
	proc := &libcontainer.Process{
		Args: p.Args, Env: p.Env, Cwd: p.Cwd,
		UID: int(p.User.UID), GID: int(p.User.GID),
		Init: true, Rlimits: processRlimits(r.Host.Ulimits),
	}
	for _, g := range p.User.AdditionalGids {
		proc.AdditionalGroups = append(proc.AdditionalGroups, int(g))
	}
	if r.Config.Tty {
		parent, child, err := utils.NewSockPair("console")
		if err != nil {
			return nil, err
		}
		b.consoleSoc, proc.ConsoleSocket = parent, child
		b.childEnds = append(b.childEnds, child)
		proc.ConsoleWidth, proc.ConsoleHeight = 80, 24
		return proc, nil
	}
	for _, o := range []struct {
		name string
		kind stream.Kind
		set  func(*os.File)
	}{
		{"stdout", stream.Stdout, func(f *os.File) { proc.Stdout = f }},
		{"stderr", stream.Stderr, func(f *os.File) { proc.Stderr = f }},
	} {
		rd, wr, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		o.set(wr)
		b.childEnds = append(b.childEnds, wr)
		b.outputs = append(b.outputs, output{r: rd, stream: o.name, kind: o.kind})
	}
	if r.Config.OpenStdin {
		rd, wr, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		proc.Stdin = rd
		b.childEnds = append(b.childEnds, rd)
		b.ioMu.Lock()
		b.stdin = wr
		b.ioMu.Unlock()
	}
	return proc, nil
}

// closeInputs releases every descriptor when the process failed to start.
func (b *broadcaster) closeInputs() {
	for _, f := range b.childEnds {
		f.Close()
	}
	for _, o := range b.outputs {
		o.r.Close()
	}
	if b.stdin != nil {
		b.stdin.Close()
	}
	if b.consoleSoc != nil {
		b.consoleSoc.Close()
	}
}

// afterStart closes the container's ends of the pipes in the shim, receives
// the pty master for -t, and starts copying.
func (b *broadcaster) afterStart() error {
	for _, f := range b.childEnds {
		f.Close()
	}
	if b.tty {
		master, err := recvFile(b.consoleSoc)
		b.consoleSoc.Close()
		if err != nil {
			return err
		}
		b.ioMu.Lock()
		b.master = master
		b.ioMu.Unlock()
		b.outputs = append(b.outputs, output{r: master, stream: "stdout", kind: stream.Stdout})
	}
	for _, o := range b.outputs {
		b.pumps.Add(1)
		go b.pump(o)
	}
	b.feedOnce.Do(func() { go b.feed() })
	return nil
}

// reset readies the broadcaster for the next process of a restarted
// container: the last one's descriptors are closed; clients stay attached.
func (b *broadcaster) reset() {
	b.ioMu.Lock()
	if b.master != nil {
		b.master.Close()
		b.master = nil
	}
	if b.stdin != nil {
		b.stdin.Close()
		b.stdin = nil
	}
	b.ioMu.Unlock()
	b.outputs, b.childEnds, b.consoleSoc = nil, nil, nil
}

// feed writes clients' input to the container, in order.
func (b *broadcaster) feed() {
	for m := range b.input {
		b.ioMu.Lock()
		switch m.kind {
		case stream.Stdin:
			if b.tty && b.master != nil {
				b.master.Write(m.data)
			} else if b.stdin != nil {
				b.stdin.Write(m.data)
			}
		case stream.CloseStdin:
			if !b.tty && b.stdin != nil && b.stdinOnce {
				b.stdin.Close()
				b.stdin = nil
			}
		case stream.Resize:
			if rows, cols, err := stream.DecodeSize(m.data); err == nil && b.master != nil {
				pty.Setsize(b.master, &pty.Winsize{Rows: rows, Cols: cols})
			}
		}
		b.ioMu.Unlock()
	}
}

// pump copies one output to the log and the clients until EOF (or EIO, as
// a pty master reports it once the last slave is closed).
func (b *broadcaster) pump(o output) {
	defer b.pumps.Done()
	lw := &logWriter{b: b, stream: o.stream}
	buf := make([]byte, 32*1024)
	for {
		n, err := o.r.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			lw.write(chunk)
			b.send(inputMsg{kind: o.kind, data: chunk})
		}
		if err != nil {
			lw.flush()
			o.r.Close()
			return
		}
	}
}

// send queues a frame for every client; a client too slow to keep up with
// 1024 queued frames is dropped rather than let it stall the container.
func (b *broadcaster) send(m inputMsg) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.clients {
		select {
		case c.ch <- m:
		default:
			delete(b.clients, c)
			close(c.ch)
		}
	}
}

// drain waits for the outputs to reach EOF, at most timeout.
func (b *broadcaster) drain(timeout time.Duration) {
	done := make(chan struct{})
	go func() { b.pumps.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		for _, o := range b.outputs {
			o.r.Close()
		}
	}
}

// exit tells every client the exit code and waits for their frames to go out.
func (b *broadcaster) exit(code int) {
	b.mu.Lock()
	for c := range b.clients {
		select {
		case c.ch <- inputMsg{kind: stream.Exit, data: []byte(strconv.Itoa(code))}:
		default:
		}
		close(c.ch)
		delete(b.clients, c)
	}
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.writers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

// serve accepts attach clients until the listener closes.
func (s *shim) serve(ln *net.UnixListener, first chan struct{}) {
	b := s.out
	var once sync.Once
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		c := &client{conn: conn, w: stream.NewWriter(conn), ch: make(chan inputMsg, 1024)}
		b.mu.Lock()
		b.clients[c] = struct{}{}
		b.mu.Unlock()
		b.writers.Add(1)
		go func() {
			defer b.writers.Done()
			defer conn.Close()
			for m := range c.ch {
				if c.w.WriteFrame(m.kind, m.data) != nil {
					return
				}
			}
		}()
		go b.readClient(c)
		once.Do(func() { close(first) })
	}
}

func (b *broadcaster) readClient(c *client) {
	for {
		kind, p, err := stream.ReadFrame(c.conn)
		if err != nil {
			return
		}
		select {
		case b.input <- inputMsg{kind: kind, data: p}:
		default: // input backlog full: the container is not reading; drop
		}
	}
}

// logWriter splits a stream into JSON-lines log entries, one per line.
type logWriter struct {
	b       *broadcaster
	stream  string
	partial []byte
}

const maxLogLine = 16 * 1024

func (w *logWriter) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = append(w.partial, p...)
			if len(w.partial) >= maxLogLine {
				w.flush()
			}
			return
		}
		w.partial = append(w.partial, p[:i+1]...)
		p = p[i+1:]
		w.flush()
	}
}

func (w *logWriter) flush() {
	if len(w.partial) == 0 {
		return
	}
	line, err := json.Marshal(LogEntry{Stream: w.stream, Time: time.Now().UTC(), Log: string(w.partial)})
	w.partial = w.partial[:0]
	if err != nil {
		return
	}
	w.b.logMu.Lock()
	w.b.log.Write(append(line, '\n'))
	w.b.logMu.Unlock()
}

// recvFile receives one descriptor sent over a unix socket (SCM_RIGHTS).
func recvFile(sock *os.File) (*os.File, error) {
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), name, oob, 0)
	if err != nil {
		return nil, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, errors.New("console socket: no descriptor received")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, errors.New("console socket: no descriptor received")
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}
