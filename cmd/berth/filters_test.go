package main

import (
	"testing"

	"github.com/berthdev/berth/engine"
)

func TestEventFilter(t *testing.T) {
	ev := engine.Event{Type: "container", Action: "exec_start: sh", Actor: engine.EventActor{ID: "abc123", Attributes: map[string]string{"name": "web", "image": "busybox"}}}
	for _, c := range []struct {
		filters []string
		want    bool
	}{
		{nil, true},
		{[]string{"container=web"}, true},
		{[]string{"container=abc"}, true},
		{[]string{"container=db", "container=web"}, true}, // one key twice: either
		{[]string{"container=web", "type=image"}, false},  // two keys: both
		{[]string{"event=exec_start"}, true},
		{[]string{"event=exec"}, false},
		{[]string{"image=busybox", "type=container"}, true},
	} {
		match, err := eventFilter(c.filters)
		if err != nil {
			t.Fatalf("eventFilter(%q) = %v", c.filters, err)
		}
		if got := match(ev); got != c.want {
			t.Errorf("eventFilter(%q)(event) = %v, want %v", c.filters, got, c.want)
		}
	}
	for filter, want := range map[string]string{
		"container":  `bad format of filter "container" (expected name=value)`,
		"label=a=b":  `invalid filter "label"`,
		"event=stop": "",
	} {
		_, err := eventFilter([]string{filter})
		if got := errString(err); got != want {
			t.Errorf("eventFilter(%q) = %q, want %q", filter, got, want)
		}
	}
}

func TestPsFilter(t *testing.T) {
	s := engine.ContainerSummary{ID: "abc123", Names: []string{"web"}, State: "exited", ExitCode: 3, Image: "busybox", Labels: map[string]string{"team": "blue"}}
	for _, c := range []struct {
		filters []string
		want    bool
	}{
		{[]string{"status=exited", "exited=3"}, true},
		{[]string{"status=running", "status=exited"}, true},
		{[]string{"status=running"}, false},
		{[]string{"label=team", "name=/web"}, true},
		{[]string{"label=team=red"}, false},
		{[]string{"ancestor=busybox", "id=abc"}, true},
	} {
		match, err := psFilter(c.filters)
		if err != nil {
			t.Fatalf("psFilter(%q) = %v", c.filters, err)
		}
		if got := match(s); got != c.want {
			t.Errorf("psFilter(%q)(container) = %v, want %v", c.filters, got, c.want)
		}
	}
	for filter, want := range map[string]string{
		"status=gone": "invalid filter 'status=gone': one of created, restarting, running, removing, paused, exited, dead",
		"color=red":   `invalid filter "color"`,
		"name":        `bad format of filter "name" (expected name=value)`,
	} {
		_, err := psFilter([]string{filter})
		if got := errString(err); got != want {
			t.Errorf("psFilter(%q) = %q, want %q", filter, got, want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
