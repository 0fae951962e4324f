package tui

import (
	"context"
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// jobFrame is how often a running job's progress may redraw the screen:
// events that come faster are handed to Update together.
const jobFrame = 100 * time.Millisecond

// job is a long engine call (a pull, a build) running off the event loop.
// Its progress events (T) are collected as the engine reports them and
// handed to Update in batches, at most one a jobFrame, with the re-arm
// pattern: next waits for a batch and returns it as a jobMsg, and Update
// applies it and issues next again until the call has ended with its
// result (R) or error.
type job[T, R any] struct {
	cancel    context.CancelFunc
	cancelled bool // the user asked it to stop (Update's side only)

	mu      sync.Mutex
	pending []T
	wake    chan struct{} // a batch is pending
	done    chan struct{} // closed when the call returned; res and err are set
	last    time.Time     // when next last returned (next's side only)
	res     R
	err     error
}

// jobMsg is a batch of a job's events, and its end when ended is set.
type jobMsg[T, R any] struct {
	j      *job[T, R]
	events []T
	ended  bool
}

// startJob runs call in a goroutine under a context of parent (so closing
// the workbench stops it); the returned command starts it and waits for
// its first batch.
func startJob[T, R any](parent context.Context, call func(ctx context.Context, report func(T)) (R, error)) (*job[T, R], tea.Cmd) {
	ctx, cancel := context.WithCancel(parent)
	j := &job[T, R]{cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
	wait := j.next()
	return j, func() tea.Msg {
		go func() {
			defer cancel()
			j.res, j.err = call(ctx, j.report)
			close(j.done)
		}()
		return wait()
	}
}

// report is the engine's progress callback: it never blocks the engine.
func (j *job[T, R]) report(ev T) {
	j.mu.Lock()
	j.pending = append(j.pending, ev)
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// next waits for the next batch (or the end) and returns it.
func (j *job[T, R]) next() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-j.wake:
		case <-j.done:
		}
		if d := time.Until(j.last.Add(jobFrame)); d > 0 {
			select {
			case <-time.After(d):
			case <-j.done:
			}
		}
		j.last = time.Now()
		ended := false
		select {
		case <-j.done: // every report happened before, so the batch below is the last
			ended = true
		default:
		}
		j.mu.Lock()
		evs := j.pending
		j.pending = nil
		j.mu.Unlock()
		return jobMsg[T, R]{j: j, events: evs, ended: ended}
	}
}

// stop cancels the call; its end still arrives as a jobMsg.
func (j *job[T, R]) stop() {
	j.cancelled = true
	j.cancel()
}

// apply hands a batch's events to fn; when the job has not ended yet it
// returns the command that waits for the next batch, else nil.
func (m jobMsg[T, R]) apply(fn func(T)) (more tea.Cmd) {
	for _, ev := range m.events {
		fn(ev)
	}
	if !m.ended {
		return m.j.next()
	}
	return nil
}

// follow applies the batch to the view that runs job shown (fn takes
// each event): it returns the command that waits for the next batch, or
// ended once the job is over. A batch of another job (one the user left)
// is dropped: neither more nor ended.
func (m jobMsg[T, R]) follow(shown *job[T, R], fn func(T)) (more tea.Cmd, ended bool) {
	if shown != m.j {
		return nil, false
	}
	if more := m.apply(fn); more != nil {
		return more, false
	}
	return nil, true
}

// stopped says the job ended because the user cancelled it.
func (j *job[T, R]) stopped() bool {
	return j.cancelled || errors.Is(j.err, context.Canceled)
}

// jobStarted shows a job that start returned as started (status says
// what it does) and returns start; the list selects what the job makes
// once it ends, not what an earlier one made.
func (a *App) jobStarted(start tea.Cmd, status string) tea.Cmd {
	a.pickImage = ""
	a.status, a.statusKind = status, statusBusy
	return start
}

// abortJob is esc or ctrl+c on a running job's view (what: "pull of
// busybox"): the first press cancels the job, a second one closes the
// view and leaves the job to end on its own.
func (a *App) abortJob(cancelled bool, stop func(), what string, closeView func()) {
	if cancelled {
		closeView()
		a.setStatus(what+" cancelled", false)
		return
	}
	stop()
	a.status, a.statusKind = "cancelling the "+what+"…", statusBusy
}

// jobEnded reports a job that ended without its result: cancelled, or
// failed with err; the command log marks its line (cmd) so.
func (a *App) jobEnded(err error, what, cmd string, cancelled bool) {
	if cancelled {
		a.setStatus(what+" cancelled", false)
		a.cmdlog.fail(cmd, "cancelled")
		return
	}
	a.setStatus(oneLine(err), true)
	a.cmdlog.fail(cmd, "failed")
}
