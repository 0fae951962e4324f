package engine

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// A shim process takes ~5 ms to reach its main (a 30 MB Go binary): on the
// critical path of `run` when it is started after Create. With
// Options.PrepareStart, Open starts one at once, before it reconciles and
// before Create, and the next start hands it its container (shimJob) over
// a pipe. A prepared shim whose engine never starts anything reads end of
// file and exits without a word.

// shimJob is what a prepared shim is told: what RunShim needs.
type shimJob struct {
	Root       string `json:"root"`
	RunRoot    string `json:"runRoot"`
	ID         string `json:"id"`
	WaitAttach bool   `json:"waitAttach"`
}

// preparedShim is a shim started ahead of its container.
type preparedShim struct {
	cmd    *exec.Cmd
	job    *os.File // write end: one shimJob
	report *os.File // read end: the shim's report, as spawnShim reads it
}

// The prepared shim's pipes: fd 3 its report (as for any shim), fd 4 its job.
const preparedJobFd = 4

// prepareShim starts a shim that waits for its job. Failing, it returns nil:
// Start then spawns a shim as usual.
func (e *Engine) prepareShim() *preparedShim {
	reportR, reportW, err := os.Pipe()
	if err != nil {
		return nil
	}
	jobR, jobW, err := os.Pipe()
	if err != nil {
		reportR.Close()
		reportW.Close()
		return nil
	}
	defer reportW.Close()
	defer jobR.Close()
	cmd := exec.Command(e.binary, "shim", "--prepared")
	cmd.ExtraFiles = []*os.File{reportW, jobR}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		reportR.Close()
		jobW.Close()
		return nil
	}
	go cmd.Wait() // reap it should it end while we are still around
	return &preparedShim{cmd: cmd, job: jobW, report: reportR}
}

// hand gives the prepared shim its job; it then runs as a shim spawned for
// that container would.
func (p *preparedShim) hand(j shimJob) error {
	defer p.job.Close()
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = p.job.Write(append(b, '\n'))
	return err
}

// discard ends an unused prepared shim.
func (p *preparedShim) discard() {
	p.job.Close()
	p.report.Close()
}

// takePrepared returns the prepared shim, if any, once.
func (e *Engine) takePrepared() *preparedShim {
	if e.prepared == nil {
		return nil
	}
	p := <-e.prepared
	e.prepared = nil
	return p
}

// RunPreparedShim is `berth shim --prepared`: it waits for its job on fd 4
// and then supervises that container. Without a job (its engine started
// nothing) it returns nil at once.
func RunPreparedShim() error {
	jobs := os.NewFile(preparedJobFd, "job")
	line, err := bufio.NewReader(jobs).ReadBytes('\n')
	jobs.Close()
	if len(line) == 0 && err != nil {
		return nil
	}
	var j shimJob
	if err := json.Unmarshal(line, &j); err != nil || j.ID == "" || !filepath.IsAbs(j.Root) || !filepath.IsAbs(j.RunRoot) {
		return fmt.Errorf("prepared shim: bad job %q", line)
	}
	// What a spawned shim has on stdout and stderr: its container's shim.log.
	logf, err := os.OpenFile(filepath.Join(j.Root, "containers", j.ID, "shim.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	for _, fd := range []int{1, 2} {
		if err := unix.Dup3(int(logf.Fd()), fd, 0); err != nil {
			return errors.Join(fmt.Errorf("prepared shim: %w", err), logf.Close())
		}
	}
	logf.Close()
	return RunShim(ShimOptions{Root: j.Root, RunRoot: j.RunRoot, ID: j.ID, WaitAttach: j.WaitAttach})
}
