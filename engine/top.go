package engine

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
)

// TopTable is `berth top`: ps's column titles and one row per process of
// the container, as docker's top returns them.
type TopTable struct {
	Titles    []string
	Processes [][]string
}

// TopPS runs the host's ps with psArgs (docker's `top CONTAINER [ps
// OPTIONS]`) and keeps the rows of the container's processes, found by
// ps's PID column. The arguments go to ps as they are, never through a
// shell. Empty psArgs mean "-ef".
func (e *Engine) TopPS(ref string, psArgs []string) (*TopTable, error) {
	procs, err := e.Top(ref)
	if err != nil {
		return nil, err
	}
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	pids := make([]int, 0, len(procs))
	for _, p := range procs {
		pids = append(pids, p.PID)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("ps", psArgs...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("ps %s: %s: %w", strings.Join(psArgs, " "), msg, errdefs.ErrInvalid)
	}
	return parsePS(out, pids)
}

// parsePS keeps the header and the lines whose PID column holds one of
// pids; the last column (the command) keeps its spaces. This is docker's
// parsePSOutput.
func parsePS(out []byte, pids []int) (*TopTable, error) {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	t := &TopTable{Titles: strings.Fields(lines[0])}
	pidCol := slices.Index(t.Titles, "PID")
	if pidCol < 0 {
		return nil, fmt.Errorf("ps output has no PID column (add -o pid): %w", errdefs.ErrInvalid)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= pidCol {
			continue
		}
		pid, err := strconv.Atoi(f[pidCol])
		if err != nil || !slices.Contains(pids, pid) {
			continue
		}
		if n := len(t.Titles); len(f) > n {
			f = append(f[:n-1], strings.Join(f[n-1:], " "))
		}
		t.Processes = append(t.Processes, f)
	}
	return t, nil
}
