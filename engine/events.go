package engine

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Event is one entry of the events log, with docker's JSON field names.
type Event struct {
	Type     string     `json:"Type"`   // "container" or "image"
	Action   string     `json:"Action"` // create, start, die, kill, stop, pause, unpause, rename, destroy, ...
	Actor    EventActor `json:"Actor"`
	Time     int64      `json:"time"`
	TimeNano int64      `json:"timeNano"`
}

// EventActor names the object an event is about.
type EventActor struct {
	ID         string            `json:"ID"`
	Attributes map[string]string `json:"Attributes"`
}

// When is the event's time.
func (ev Event) When() time.Time { return time.Unix(0, ev.TimeNano) }

func (e *Engine) eventsPath() string { return filepath.Join(e.root, "events.jsonl") }

func containerEvent(action string, r *record, attrs map[string]string) Event {
	a := map[string]string{"name": r.Name, "image": r.Image}
	for k, v := range r.Config.Labels {
		a[k] = v
	}
	for k, v := range attrs {
		a[k] = v
	}
	return Event{Type: "container", Action: action, Actor: EventActor{ID: r.ID, Attributes: a}}
}

// ImageEvent records something that happened to an image (pull, tag, untag,
// delete, import, load, save, commit).
func imageEvent(action, id, name string) Event {
	return Event{Type: "image", Action: action, Actor: EventActor{ID: id, Attributes: map[string]string{"name": name}}}
}

// emit appends an event to the log. One write per line with O_APPEND keeps
// concurrent writers' lines whole. Losing an event never fails an operation.
func (e *Engine) emit(ev Event) {
	now := time.Now()
	ev.Time, ev.TimeNano = now.Unix(), now.UnixNano()
	line, err := json.Marshal(ev)
	if err != nil {
		return
	}
	f, err := os.OpenFile(e.eventsPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	f.Write(append(line, '\n'))
	f.Close()
}

// EventFilter selects events. Empty fields match everything.
type EventFilter struct {
	Since, Until time.Time // Since zero and Follow: only new events
	Follow       bool      // keep reading new events until ctx ends or Until passes
	Match        func(Event) bool
}

// Events sends the events the filter selects to fn, in order. With Follow
// it keeps watching the log until ctx is cancelled or Until has passed.
func (e *Engine) Events(ctx context.Context, f EventFilter, fn func(Event) error) error {
	file, err := os.OpenFile(e.eventsPath(), os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer file.Close()
	if f.Since.IsZero() && f.Follow {
		if _, err := file.Seek(0, io.SeekEnd); err != nil {
			return err
		}
	}
	more := func() bool { return f.Follow && (f.Until.IsZero() || time.Now().Before(f.Until)) }
	if !f.Follow {
		more = nil
	}
	return readLines(ctx, file, more, func(line []byte) error {
		var ev Event
		if json.Unmarshal(line, &ev) != nil {
			return nil
		}
		t := ev.When()
		if !f.Until.IsZero() && t.After(f.Until) {
			return errStopReading
		}
		if (!f.Since.IsZero() && t.Before(f.Since)) || (f.Match != nil && !f.Match(ev)) {
			return nil
		}
		return fn(ev)
	})
}
