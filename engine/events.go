package engine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"time"
)

// Event is one entry of the events log, with docker's JSON field names.
type Event struct {
	Type     string     `json:"Type"`   // "container", "image", "volume" or "network"
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

func (e *Engine) eventLog() eventLog {
	max := e.eventsMax
	if max == 0 {
		max = eventLogMax
	}
	return eventLog{path: filepath.Join(e.root, "events.jsonl"), max: max}
}

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

// pruneEvent records a prune of volumes or networks (kind), as docker's
// `volume prune` and `network prune` do after their destroy events: no
// actor ID, the bytes reclaimed ("0" for networks).
func pruneEvent(kind string, reclaimed int64) Event {
	return Event{Type: kind, Action: "prune", Actor: EventActor{Attributes: map[string]string{"reclaimed": strconv.FormatInt(reclaimed, 10)}}}
}

// ImageEvent records something that happened to an image (pull, tag, untag,
// delete, import, load, save, commit).
func imageEvent(action, id, name string) Event {
	return Event{Type: "image", Action: action, Actor: EventActor{ID: id, Attributes: map[string]string{"name": name}}}
}

// emit appends an event to the log (see eventLog). Losing an event never
// fails an operation.
func (e *Engine) emit(ev Event) {
	e.eventLog().append(ev)
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
	r, err := e.eventLog().open()
	if err != nil {
		return err
	}
	defer r.Close()
	switch {
	case f.Since.IsZero() && f.Follow:
		err = r.seekEnd()
	case !f.Since.IsZero():
		// Lines are in time order but for a clock stepped back a little
		// (or a log written before appends were locked): look from a
		// second earlier, and filter.
		err = r.seekTime(f.Since.Add(-time.Second))
	}
	if err != nil {
		return err
	}
	more := func() bool { return f.Follow && (f.Until.IsZero() || time.Now().Before(f.Until)) }
	if !f.Follow {
		more = nil
	}
	return readLines(ctx, r, more, func(line []byte) error {
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
