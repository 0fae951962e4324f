package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/berthdev/berth/engine"
)

// eventsSeen stops web and removes the worker image, then opens the
// Events view.
func eventsSeen(h *harness) {
	h.waitFor("batch-with")
	h.press(h.km.Stop)
	h.waitFor("✓ stopped web")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Down, h.km.Remove, h.km.Confirm)
	h.waitFor("✓ removed image registry.local:5000/team/worker:v2")
	h.press(h.km.Events)
}

// TestFlowEvents: E shows the engine's events live, newest last; t cycles
// the type filter (all, container, image, volume, network) and logs the equivalent
// `berth events --filter`; an event arriving while it is open shows.
func TestFlowEvents(t *testing.T) {
	f := world()
	h := start(t, f, 120, 30)
	eventsSeen(h)
	s := h.waitFor("events · all types", "$ berth events", "image     delete")
	die, del := strings.Index(s, "container die"), strings.Index(s, "image     delete")
	if die < 0 || del < 0 || die > del {
		t.Fatalf("want the container's die then the image's delete, newest last:\n%s", s)
	}
	if !strings.Contains(s[die:], "web") {
		t.Fatalf("the die event does not name web:\n%s", s)
	}
	h.press(h.km.EventType)
	h.waitFor("type=container", "$ berth events --filter type=container")
	h.waitGone("image     delete")
	h.press(h.km.EventType)
	h.waitFor("type=image", "$ berth events --filter type=image", "image     delete")
	h.waitGone("container die")

	h.press(h.km.EventType, h.km.EventType)
	h.waitFor("type=network", "$ berth events --filter type=network")
	h.press(h.km.EventType) // all again
	h.waitFor("events · all types")
	f.add("late")
	h.waitFor("container start", "late")
	h.press(h.km.Back)
	h.waitGone("events · all types")
}

// TestViewsEvents renders the Events view.
func TestViewsEvents(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, world(), size[0], size[1])
			h.waitFor("25.0%")
			eventsSeen(h)
			h.waitFor("image     delete")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}

// TestFlowEventsCtrlCQuits: ctrl+c quits from the Events view, which
// takes every other key.
func TestFlowEventsCtrlCQuits(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.press(h.km.Events)
	h.waitFor("events · all types")
	h.press(h.km.Quit) // q: the view's, nothing happens
	h.waitFor("events · all types")
	h.tm.Send(keyMsg("ctrl+c"))
	h.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestFlowEventsTextAndObjects: volume and network events show and have
// their own type filter; / filters the lines by text on top of the type
// filter, logs the equivalent `| grep -iF`, and esc clears it before it
// closes the view.
func TestFlowEventsTextAndObjects(t *testing.T) {
	f := world()
	h := start(t, f, 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Events)
	h.waitFor("events · all types")
	f.events <- engine.Event{Type: "volume", Action: "create", Actor: engine.EventActor{ID: "cache", Attributes: map[string]string{"driver": "local"}}, TimeNano: epoch.UnixNano()}
	f.events <- engine.Event{Type: "network", Action: "connect", Actor: engine.EventActor{ID: "n1", Attributes: map[string]string{"name": "backend", "type": "bridge"}}, TimeNano: epoch.UnixNano()}
	f.events <- engine.Event{Type: "volume", Action: "destroy", Actor: engine.EventActor{ID: "scratch", Attributes: map[string]string{"driver": "local"}}, TimeNano: epoch.UnixNano()}
	h.waitFor("volume    create", "network   connect", "backend", "volume    destroy", "scratch")
	h.press(h.km.EventType, h.km.EventType, h.km.EventType)
	h.waitFor("type=volume", "$ berth events --filter type=volume", "volume    create", "volume    destroy")
	h.waitGone("network   connect")
	h.press(h.km.Filter)
	h.typeText("scratch")
	h.press(h.km.Submit)
	h.waitFor("/scratch", "$ berth events --filter type=volume | grep -iF scratch", "volume    destroy")
	h.waitGone("volume    create")
	h.press(h.km.EventType) // network: nothing holds scratch
	h.waitFor("type=network", "no event matches the filter")
	h.press(h.km.Back) // clears the text, stays open
	h.waitFor("network   connect")
	h.waitGone("/scratch")
	h.press(h.km.Back)
	h.waitGone("events · ")
}

// TestViewsEventsFiltered renders the Events view with a type and a text
// filter at 80x24: the title keeps the filters whole and drops hints that
// do not fit, rather than cutting the line mid-word.
func TestViewsEventsFiltered(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, world(), size[0], size[1])
			h.waitFor("25.0%")
			eventsSeen(h)
			h.waitFor("image     delete")
			h.press(h.km.EventType, h.km.Filter)
			h.typeText("registry.local")
			h.tm.Send(keyMsg("enter"))
			s := h.waitFor("type=container", "/registry.local")
			title := strings.Split(s, "\n")[1]
			if size[0] == 80 && (strings.Contains(title, "newest last") || !strings.HasSuffix(strings.TrimRight(title, " "), "closes")) {
				t.Errorf("title at 80 columns should end on a whole hint (\"esc closes\") and drop the rest:\n%q", title)
			}
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}
