package container

import (
	"errors"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestTransitions checks every pair of statuses against a table written
// out here, apart from the one in status.go: a change to the rules must
// change both.
func TestTransitions(t *testing.T) {
	const (
		C = Created
		R = Running
		P = Paused
		S = Restarting
		X = Exited
		D = Dead
	)
	legal := map[[2]Status]bool{
		{C, C}: true, {C, R}: true, {C, X}: true, {C, D}: true,
		{R, R}: true, {R, P}: true, {R, X}: true, {R, S}: true, {R, D}: true,
		{P, P}: true, {P, R}: true, {P, X}: true, {P, S}: true, {P, D}: true,
		{S, S}: true, {S, R}: true, {S, X}: true, {S, D}: true,
		{X, X}: true, {X, R}: true, {X, D}: true,
		{D, D}: true,
	}
	all := append(append([]Status{}, Statuses...), "", "stopped")
	n := 0
	for _, from := range all {
		for _, to := range all {
			want := legal[[2]Status{from, to}]
			if got := from.CanBecome(to); got != want {
				t.Errorf("%q.CanBecome(%q) = %v, want %v", from, to, got, want)
			}
			s := &State{Status: from}
			err := s.Transition(to)
			if want {
				if err != nil || s.Status != to {
					t.Errorf("Transition(%q -> %q) = %v, status %q", from, to, err, s.Status)
				}
				continue
			}
			n++
			var te *TransitionError
			if !errors.As(err, &te) || te.From != from || te.To != to {
				t.Errorf("Transition(%q -> %q) = %v, want *TransitionError{%q, %q}", from, to, err, from, to)
			}
			if !errors.Is(err, errdefs.ErrFailedPrecondition) {
				t.Errorf("Transition(%q -> %q) = %v, not a failed precondition", from, to, err)
			}
			if s.Status != from {
				t.Errorf("Transition(%q -> %q) failed but changed the status to %q", from, to, s.Status)
			}
		}
	}
	if n != len(all)*len(all)-len(legal) {
		t.Errorf("%d illegal pairs checked, want %d", n, len(all)*len(all)-len(legal))
	}
}

func TestRunningStatuses(t *testing.T) {
	want := map[Status]bool{Running: true, Paused: true, Restarting: true}
	for _, s := range Statuses {
		if s.Running() != want[s] {
			t.Errorf("%s.Running() = %v", s, s.Running())
		}
	}
}

func TestTransitionErrorText(t *testing.T) {
	for _, c := range []struct {
		err  TransitionError
		want string
	}{
		{TransitionError{Exited, Paused}, "cannot change status from exited to paused"},
		{TransitionError{"bogus", Running}, `unknown status "bogus"`},
		{TransitionError{Running, "bogus"}, `unknown status "bogus"`},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%#v.Error() = %q, want %q", c.err, got, c.want)
		}
	}
}
