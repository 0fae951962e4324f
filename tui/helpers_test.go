package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// keyMsg is the key press a terminal sends for the key named k (as
// key.Binding and tea.KeyPressMsg.String spell it).
func keyMsg(k string) tea.KeyPressMsg { return keyPress(k) }

// probe asks the running program for its screen, from inside its event
// loop (a tea.WithFilter hook), so tests never read the model racily.
type probe struct{ reply chan string }

func probeFilter(m tea.Model, msg tea.Msg) tea.Msg {
	if p, ok := msg.(probe); ok {
		p.reply <- screen(m.(*App))
		return nil
	}
	return msg
}

// screen is the app's frame as a terminal with 16 colours receives it.
func screen(a *App) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ANSI}
	w.WriteString(a.render())
	return b.String()
}

// harness runs the workbench on a fake engine at a fixed size and clock.
type harness struct {
	t  *testing.T
	tm *teatest.TestModel
	f  *fakeEngine
	km *KeyMap
}

func start(t *testing.T, f *fakeEngine, w, h int) *harness {
	t.Helper()
	return startWith(t, f, w, h, nil)
}

// startWith is start with a key map of the test's own (nil: the default).
func startWith(t *testing.T, f *fakeEngine, w, h int, km *KeyMap) *harness {
	t.Helper()
	return startOpts(t, f, w, h, Options{KeyMap: km})
}

// startOpts is start with options of the test's own (the clock is epoch).
func startOpts(t *testing.T, f *fakeEngine, w, h int, o Options) *harness {
	t.Helper()
	o.Now = func() time.Time { return epoch }
	app := New(f, o)
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI), tea.WithFilter(probeFilter)))
	hs := &harness{t: t, tm: tm, f: f, km: app.c.KeyMap}
	t.Cleanup(func() { tm.Quit(); tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second)) })
	hs.waitFor("running ·")
	return hs
}

// frame is the current screen, with escape codes.
func (h *harness) frame() string {
	p := probe{make(chan string, 1)}
	h.tm.Send(p)
	select {
	case s := <-p.reply:
		return s
	case <-time.After(5 * time.Second):
		h.t.Fatal("the program did not answer a probe")
		return ""
	}
}

// text is the current screen as plain text.
func (h *harness) text() string { return ansi.Strip(h.frame()) }

// waitFor waits until every one of want is on the screen.
func (h *harness) waitFor(want ...string) string {
	h.t.Helper()
	var s string
	if !eventually(func() bool {
		s = h.text()
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}) {
		h.t.Fatalf("screen never showed %q; it shows:\n%s", want, s)
	}
	return s
}

// waitGone waits until none of gone is on the screen.
func (h *harness) waitGone(gone ...string) string {
	h.t.Helper()
	var s string
	if !eventually(func() bool {
		s = h.text()
		for _, g := range gone {
			if strings.Contains(s, g) {
				return false
			}
		}
		return true
	}) {
		h.t.Fatalf("screen still shows one of %q:\n%s", gone, s)
	}
	return s
}

// press sends the first key of each binding.
func (h *harness) press(bs ...key.Binding) {
	for _, b := range bs {
		h.tm.Send(keyMsg(b.Keys()[0]))
	}
}

// typeText types s into a field.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.tm.Send(keyMsg(string(r)))
	}
}

// waitCall waits until the engine was asked call.
func (h *harness) waitCall(call string) {
	h.t.Helper()
	if !eventually(func() bool { return containsCall(h.f.Calls(), call) }) {
		h.t.Fatalf("engine never got %q; it got %q", call, h.f.Calls())
	}
}

func containsCall(calls []string, c string) bool {
	for _, x := range calls {
		if x == c {
			return true
		}
	}
	return false
}

// eventually polls cond until it holds or 5 seconds pass.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
