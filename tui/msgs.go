package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// Messages: every engine call is a tea.Cmd that returns one of these.
type (
	// containersMsg is the full container list (at start-up only).
	containersMsg struct {
		list []engine.ContainerSummary
		err  error
	}
	// containerMsg is one container re-read after an event about it.
	containerMsg struct {
		id   string
		c    engine.ContainerSummary
		gone bool
		err  error
	}
	imagesMsg struct {
		list []engine.ImageSummary
		err  error
	}
	historyMsg struct {
		ref  string
		rows []engine.ImageHistory
		err  error
	}
	// eventMsg is one engine event; Update re-arms the reader after it.
	eventMsg struct{ ev engine.Event }
	// eventsEndedMsg says the event stream stopped (with why).
	eventsEndedMsg struct{ err error }
	// actionMsg is the outcome of one action on one container.
	actionMsg struct {
		verb, ref string
		line      string // the command log's line for the action
		err       error
	}
	// tickMsg refreshes relative times ("Up 3 minutes").
	tickMsg time.Time
	// sessionMsg is the end of an exec or attach session on the terminal.
	sessionMsg struct {
		verb, ref string
		err       error
	}
	// savedMsg is the end of saving logs to a file.
	savedMsg struct {
		path string
		err  error
	}
)

func listContainers(e Engine) tea.Cmd {
	return func() tea.Msg {
		l, err := e.List(true)
		return containersMsg{l, err}
	}
}

func refreshContainer(e Engine, id string) tea.Cmd {
	return func() tea.Msg {
		c, err := e.Container(id)
		if errors.Is(err, errdefs.ErrNotFound) {
			return containerMsg{id: id, gone: true}
		}
		return containerMsg{id: id, c: c, err: err}
	}
}

func listImages(e Engine) tea.Cmd {
	return func() tea.Msg {
		l, err := e.Images()
		return imagesMsg{l, err}
	}
}

func imageHistory(e Engine, ref string) tea.Cmd {
	return func() tea.Msg {
		h, err := e.History(ref)
		return historyMsg{ref, h, err}
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// followEvents starts the engine's event stream feeding ch; it reads from a
// little before start so nothing between the first List and the stream is
// missed (applying an event twice is harmless: it only re-reads a row).
func followEvents(ctx context.Context, e Engine, since time.Time, ch chan<- engine.Event) tea.Cmd {
	return func() tea.Msg {
		err := e.Events(ctx, engine.EventFilter{Since: since, Follow: true}, func(ev engine.Event) error {
			select {
			case ch <- ev:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		return eventsEndedMsg{err}
	}
}

// nextEvent is the re-armed reader: one event per call.
func nextEvent(ch <-chan engine.Event) tea.Cmd {
	return func() tea.Msg { return eventMsg{<-ch} }
}

// stopTimeout is how long stop and restart wait before killing, docker's 10s.
const stopTimeout = 10 * time.Second

// act runs one container action as a command.
func act(e Engine, verb, ref, line string) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		var err error
		switch verb {
		case "start":
			err = e.Start(ctx, ref)
		case "stop":
			err = e.Stop(ctx, ref, stopTimeout)
		case "restart":
			err = e.Restart(ctx, ref, stopTimeout)
		case "kill":
			err = e.Kill(ref, unix.SIGKILL)
		case "pause":
			err = e.Pause(ref)
		case "unpause":
			err = e.Unpause(ref)
		case "rm":
			err = e.Remove(ctx, ref, false)
		case "rm -f":
			err = e.Remove(ctx, ref, true)
		}
		return actionMsg{verb, ref, line, err}
	}
}
