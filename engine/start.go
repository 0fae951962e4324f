package engine

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/berthdev/berth/internal/errdefs"
)

// StartError says why a container's process could not start, with the exit
// code docker gives for it: 127 (command not found), 126 (not executable)
// or 125 (anything else).
type StartError struct {
	Container string
	Code      int
	Msg       string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("container %s: %s", e.Container, e.Msg)
}

// Start starts a created or exited container under a new shim. With streams
// it attaches before the process starts, so no output is missed, and
// returns the container's exit code when it ends (ErrDetached when the
// user detached). Without streams it returns once the process runs.
func (e *Engine) Start(ctx context.Context, ref string, streams *Streams) (int, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return 0, err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return 0, err
	}
	if st.running() {
		if streams == nil {
			return 0, nil // docker: starting a running container does nothing
		}
		return e.Attach(ctx, r.ID, *streams)
	}
	report, reportFile, conn, err := e.spawnShim(r, streams != nil)
	if err != nil {
		return 0, err
	}
	defer reportFile.Close()
	var attached chan attachResult
	if conn != nil {
		attached = make(chan attachResult, 1)
		go func() {
			code, err := e.attachConn(ctx, r.ID, conn, *streams, r.Config.Tty)
			attached <- attachResult{code, err}
		}()
	}
	if err := readStartReport(r, report); err != nil {
		if conn != nil {
			conn.Close()
		}
		if r.Host.AutoRemove {
			waitForUnlock(ctx, filepath.Join(e.runDir(r.ID), "shim.lock")) // let the shim finish
			e.removeContainer(r, true)
		}
		return 0, err
	}
	if attached == nil {
		return 0, nil
	}
	res := <-attached
	return res.code, res.err
}

type attachResult struct {
	code int
	err  error
}

// spawnShim has a shim supervise r: the prepared one, if Open started one,
// or a new `berth shim` in its own session. When attach is set, it waits
// for the shim's socket and connects before the shim starts the process.
func (e *Engine) spawnShim(r *record, attach bool) (*bufio.Reader, *os.File, net.Conn, error) {
	var rd *os.File
	if p := e.takePrepared(); p != nil {
		if err := p.hand(shimJob{Root: e.root, RunRoot: e.runRoot, ID: r.ID, WaitAttach: attach}); err == nil {
			rd = p.report
		} else {
			p.discard()
		}
	}
	if rd == nil {
		var err error
		if rd, err = e.execShim(r, attach); err != nil {
			return nil, nil, nil, err
		}
	}
	report := bufio.NewReader(rd)
	if !attach {
		return report, rd, nil, nil
	}
	line, err := report.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "listening" {
		rd.Close()
		return nil, nil, nil, reportError(r, line, err)
	}
	conn, err := net.Dial("unix", e.sockPath(r.ID))
	if err != nil {
		rd.Close()
		return nil, nil, nil, fmt.Errorf("container %s: attaching: %w", r.Name, err)
	}
	return report, rd, conn, nil
}

// readStartReport reads the shim's verdict: "ok <pid>" or "err <code> <msg>".
func readStartReport(r *record, report *bufio.Reader) error {
	line, err := report.ReadString('\n')
	if err == nil && strings.HasPrefix(line, "ok ") {
		return nil
	}
	return reportError(r, line, err)
}

func reportError(r *record, line string, err error) error {
	line = strings.TrimSpace(line)
	if rest, ok := strings.CutPrefix(line, "err "); ok {
		codeStr, msg, _ := strings.Cut(rest, " ")
		code, _ := strconv.Atoi(codeStr)
		return &StartError{Container: r.Name, Code: code, Msg: msg}
	}
	if err != nil {
		return fmt.Errorf("container %s: shim exited before starting it (see %s): %w",
			r.Name, filepath.Join("containers", r.ID, "shim.log"), errdefs.ErrUnavailable)
	}
	return fmt.Errorf("container %s: unexpected shim report %q", r.Name, line)
}

// oneLineErr flattens an error for a single-line report.
func oneLineErr(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// execShim starts `berth shim` for r in its own session and returns the
// read end of its report pipe.
func (e *Engine) execShim(r *record, attach bool) (*os.File, error) {
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer wr.Close()
	args := []string{"shim", "--root", e.root, "--run-root", e.runRoot}
	if attach {
		args = append(args, "--wait-attach")
	}
	args = append(args, r.ID)
	logf, err := os.OpenFile(filepath.Join(e.containerDir(r.ID), "shim.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		rd.Close()
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(e.binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{wr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		rd.Close()
		return nil, fmt.Errorf("container %s: starting shim: %w", r.Name, err)
	}
	go cmd.Wait() // reap it should it end while we are still around
	return rd, nil
}
