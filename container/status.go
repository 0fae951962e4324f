package container

import (
	"fmt"

	"github.com/berthdev/berth/internal/errdefs"
)

// Status is a container's status, as docker names them.
type Status string

// The statuses.
const (
	Created    Status = "created"
	Running    Status = "running"
	Paused     Status = "paused"
	Restarting Status = "restarting"
	Exited     Status = "exited"
	Dead       Status = "dead"
)

// Statuses lists every status, in docker's order.
var Statuses = []Status{Created, Running, Paused, Restarting, Exited, Dead}

// transitions is the one table of legal status changes: from -> the
// statuses it may become. Everything not listed is illegal.
var transitions = map[Status][]Status{
	// A shim starts it; or its shim died before it ran (reconcile).
	Created: {Running, Exited, Dead},
	// Pause; the process exits, and its policy restarts it or not.
	Running: {Paused, Exited, Restarting, Dead},
	// Unpause; the process exits while frozen (SIGKILL on cgroup v2, OOM,
	// or its shim died and reconcile records it).
	Paused: {Running, Exited, Restarting, Dead},
	// The restart runs; or a stop, a failed restart or the shim's death
	// ends the wait.
	Restarting: {Running, Exited, Dead},
	// Started again.
	Exited: {Running, Dead},
	// Only removal follows.
	Dead: {},
}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Running reports whether a shim is responsible for a process of the
// container: running, paused, or restarting (between two runs).
func (s Status) Running() bool {
	return s == Running || s == Paused || s == Restarting
}

// CanBecome reports whether a container may change from s to to. Staying
// the same is always allowed: it is not a transition.
func (s Status) CanBecome(to Status) bool {
	if s == to {
		return s.Valid()
	}
	for _, t := range transitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// TransitionError is an illegal change of status, as libcontainer's
// stateTransitionError.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	if !e.From.Valid() {
		return fmt.Sprintf("unknown status %q", e.From)
	}
	if !e.To.Valid() {
		return fmt.Sprintf("unknown status %q", e.To)
	}
	return fmt.Sprintf("cannot change status from %s to %s", e.From, e.To)
}

// Is makes a TransitionError an errdefs.ErrFailedPrecondition.
func (e *TransitionError) Is(target error) bool { return target == errdefs.ErrFailedPrecondition }

// Transition changes s.Status to to, or returns a *TransitionError.
func (s *State) Transition(to Status) error {
	if !s.Status.CanBecome(to) {
		return &TransitionError{From: s.Status, To: to}
	}
	s.Status = to
	return nil
}
