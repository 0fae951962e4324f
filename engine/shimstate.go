package engine

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/berthdev/berth/container"
)

// recordPatience is how long the shim keeps trying to record a change of
// its container's state (the lock held by a stuck process, a full disk)
// before it gives up; until then the change, an exit above all, is not
// lost. Giving up leaves the container in the live registry, so the next
// Open reconciles what the shim could not record.
const recordPatience = 2 * time.Minute

// record writes a change of the container's state, retrying failures that
// may pass, and logs every failure to the shim's log (shim.log). It gives
// up at once when the container is gone or the change is illegal (a
// *container.TransitionError), and after patience otherwise.
func (s *shim) record(what string, change func(*state) error) error {
	patience := s.patience
	if patience == 0 {
		patience = recordPatience
	}
	deadline := time.Now().Add(patience)
	delay := 20 * time.Millisecond
	for {
		_, err := s.e.updateState(s.r.ID, change)
		if err == nil {
			return nil
		}
		var te *container.TransitionError
		final := isNotExist(err) || errors.As(err, &te) || errors.Is(err, errAlreadyRunning) || time.Now().After(deadline)
		s.logf("container %s: recording %s: %v%s", s.r.ID[:12], what, err, map[bool]string{true: "", false: " (retrying)"}[final])
		if final {
			return fmt.Errorf("container %s: recording %s: %w", s.r.ID[:12], what, err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 2*time.Second)
	}
}

// logf writes one line to the shim's log: its stderr, which is shim.log.
func (s *shim) logf(format string, a ...any) {
	var w io.Writer = s.log
	if w == nil {
		return
	}
	fmt.Fprintf(w, "berth shim: "+format+"\n", a...)
}
