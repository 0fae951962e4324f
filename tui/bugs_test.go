package tui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// TestSummaryOfKeepsPorts guards the PORTS of a container the list learnt
// of from an event (its row is built from inspect): without the ports of
// inspect's NetworkSettings the column stayed empty until a restart of the
// workbench.
func TestSummaryOfKeepsPorts(t *testing.T) {
	in := &engine.ContainerInspect{ID: "0123456789ab", Name: "/web"}
	in.State.Status = "running"
	in.NetworkSettings.Ports = map[string][]engine.PortBinding{
		"8080/tcp": {{HostIP: "0.0.0.0", HostPort: "8080"}},
		"53/udp":   {{HostIP: "127.0.0.1", HostPort: "5353"}},
		"9/tcp":    nil, // published, but not bound while stopped
		"bad/tcp":  {{HostPort: "1"}},
	}
	got := portsText(summaryOf(in).Ports)
	if want := "127.0.0.1:5353->53/udp, 0.0.0.0:8080->8080/tcp"; got != want {
		t.Fatalf("PORTS of an inspected container = %q, want %q", got, want)
	}
}

// TestDebugBannerSaysSidecar guards the words of `b`: a running container
// is debugged in a sidecar in its namespaces, not in a copy.
func TestDebugBannerSaysSidecar(t *testing.T) {
	for ref, want := range map[string]string{
		"web":     "debugging web in a sidecar in its namespaces",
		"crashed": "debugging crashed in a copy of it",
	} {
		var out bytes.Buffer
		s := &session{eng: world(), verb: "debug", ref: ref, stdin: strings.NewReader(""), stdout: &out}
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("debug %s says %q, want %q", ref, out.String(), want)
		}
	}
}

// TestFlowPauseWords guards the status line's past tense of pause.
func TestFlowPauseWords(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Pause)
	h.waitCall("pause web")
	h.waitFor("✓ paused web", "1 running · 6 total") // the row is paused before p again
	h.press(h.km.Pause)
	h.waitCall("unpause web")
	h.waitFor("✓ unpaused web")
}

// TestFlowSaveWithTimestamps guards that the command log says exactly
// what `w` wrote: with timestamps on, `berth logs -t`.
func TestFlowSaveWithTimestamps(t *testing.T) {
	t.Chdir(t.TempDir())
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Open)
	h.waitFor("end of log")
	h.press(h.km.Timestamps, h.km.Save)
	h.waitFor("$ berth logs -t web > web.log", "logs saved to web.log")
	b, err := os.ReadFile(filepath.Join(".", "web.log"))
	if err != nil || !strings.HasPrefix(string(b), "2026-03-01T11:59:20.000000000Z GET") {
		t.Fatalf("web.log = %.60q, %v", b, err)
	}
}

// TestFlowSortByIDHeader guards the header of the CONTAINER ID column when
// the list is sorted by it: the title and its arrow both fit.
func TestFlowSortByIDHeader(t *testing.T) {
	h := start(t, world(), 160, 48)
	h.waitFor("batch-with")
	for range 5 {
		h.press(h.km.Sort)
	}
	h.waitFor("CONTAINER ID▲")
}

// TestFlowRunFormQuotes guards the run form's words: the command and the
// list fields are split as a shell splits them, the resulting command line
// shows before it runs, nothing is expanded, and an unquoted operator or
// quote is refused with the field named.
func TestFlowRunFormQuotes(t *testing.T) {
	h := start(t, world(), 160, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Run)
	h.waitFor("run busybox:latest")
	next := func(s string) { h.typeText(s); h.press(h.km.NextField) }
	next("spin")
	next(`sh -c 'while :; do :; done'`)
	next(`MSG="hello world" HOME=$HOME X=$(touch /tmp/berth-pwned)`)
	h.waitFor(`$ berth run -d --name spin -e 'MSG=hello world' -e 'HOME=$HOME' -e 'X=$(touch /tmp/berth-pwned)' busybox:latest sh -c 'while :; do :; done'`)
	h.press(h.km.Submit)
	h.waitCall(`create spin busybox:latest [sh -c while :; do :; done] env=[MSG=hello world HOME=$HOME X=$(touch /tmp/berth-pwned)] ports=0 binds=[] net= rm=false tty=false`)
	if _, err := os.Stat("/tmp/berth-pwned"); err == nil {
		t.Fatal("the form ran a command substitution")
	}
	// The created container is on the list: its argv is three words.
	h.waitFor("started spin")
	f := h.f
	f.mu.Lock()
	c := f.byName("spin")
	f.mu.Unlock()
	if c.Command != "sh -c while :; do :; done" {
		t.Fatalf("command = %q", c.Command)
	}
}

func TestRunFormRefusesOperatorsAndOpenQuotes(t *testing.T) {
	for v, want := range map[string]string{
		"echo hi; rm -rf /": `command echo hi; rm -rf /: ";" is a shell operator: quote it`,
		"echo 'open":        "command echo 'open: invalid command line string",
		"cat < /etc/passwd": `"<" is a shell operator`,
	} {
		f := newRunForm("busybox")
		f.fields[fCmd].SetValue(v)
		_, err := f.options()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("command %q: err %v, want %q", v, err, want)
		}
		if _, err := f.line(); err == nil {
			t.Errorf("command %q: the form shows a command line for it", v)
		}
	}
}

// TestFlowPasteIntoEveryInput guards bracketed paste (tea.PasteMsg) in the
// filter, the log search, the run form, the pull form, a resource name and
// the `:` command line.
func TestFlowPasteIntoEveryInput(t *testing.T) {
	paste := func(h *harness, s string) { h.tm.Send(tea.PasteMsg{Content: s}) }
	h := startOpts(t, world(), 160, 30, Options{Berth: fakeBerth})
	h.waitFor("batch-with")
	h.press(h.km.Filter)
	paste(h, "wor")
	h.waitFor("filter: wor")
	h.waitGone("batch-with")
	h.press(h.km.Submit, h.km.Back)
	h.waitFor("batch-with")

	h.press(h.km.Open)
	h.waitFor("end of log")
	h.press(h.km.Search)
	paste(h, "request=3\n")
	h.press(h.km.Submit)
	h.waitFor("search: request=3 ")
	h.press(h.km.Back, h.km.Back)
	h.waitFor("batch-with")

	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Run)
	h.waitFor("run busybox:latest")
	h.press(h.km.NextField)
	paste(h, "sh -c 'echo pasted; sleep 1'")
	h.waitFor(`$ berth run -d busybox:latest sh -c 'echo pasted; sleep 1'`)
	h.press(h.km.Back)

	h.press(h.km.Pull)
	h.waitFor("pull an image")
	paste(h, "127.0.0.1:5000/pasted:v1")
	h.waitFor("$ berth pull 127.0.0.1:5000/pasted:v1")
	h.press(h.km.Back)

	h.press(h.km.Volumes)
	h.waitFor("pgdata")
	h.press(h.km.Create)
	paste(h, "from-clipboard")
	h.waitFor("new volume name: from-clipboard")
	h.press(h.km.Back)

	h.press(h.km.Command)
	h.waitFor(": berth")
	paste(h, "ps -a --format '{{.Names}}'")
	h.waitFor(": berth ps -a --format '{{.Names}}'")
	h.press(h.km.Submit)
	h.waitFor("argv: [--root] [/tmp/store] [ps] [-a] [--format] [{{.Names}}]")
}

// crowd adds n running containers named c001... to the fake world.
func crowd(f *fakeEngine, n int) {
	for i := range n {
		id := fmt.Sprintf("77%062x", i)
		f.containers[id] = engine.ContainerSummary{ID: id, Names: []string{fmt.Sprintf("c%03d", i+1)}, Image: "busybox:latest",
			Command: "top", Created: epoch.Add(-time.Duration(i) * time.Second), StartedAt: epoch, State: "running"}
	}
}

// TestFlowBulkRemoveSummarised guards the prompt and the command log of a
// bulk remove at 80 columns: a count and how many will be killed, and the
// command line's end (the last name, its outcome) still on screen.
func TestFlowBulkRemoveSummarised(t *testing.T) {
	f := world()
	crowd(f, 100)
	f.fail["rm -f"] = errors.New("no such thing")
	h := start(t, f, 80, 24)
	h.waitFor("102 running · 106 total")
	h.press(h.km.MarkAll, h.km.Remove)
	h.waitFor("remove 106 containers (103 running, will be killed)? (y/n)")
	h.press(h.km.Confirm)
	h.waitCall("rm -f c100")
	s := h.waitFor("$ berth rm -f c00", " … ", "✗ failed on")
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "$ berth rm -f") && !strings.Contains(l, "✗ failed on") {
			t.Fatalf("the outcome is cut from the command log line %q", l)
		}
	}
}

// TestFlowStatsOfExitedContainer guards the Stats tab's words for a
// container that is not running: no promise of a reading.
func TestFlowStatsOfExitedContainer(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Down, h.km.Down, h.km.Down, h.km.Stats)
	s := h.waitFor("no readings: crashed is exited")
	if strings.Contains(s, "within a second") {
		t.Fatal("the Stats tab of an exited container promises a reading")
	}
}

// TestFlowHintFollowsView guards the status bar's hint: `a` says what it
// will do, and each view names its own keys.
func TestFlowHintFollowsView(t *testing.T) {
	h := start(t, world(), 160, 30)
	h.waitFor("batch-with")
	h.waitFor("a hide stopped")
	h.press(h.km.ShowAll)
	h.waitFor("a show stopped")
	h.press(h.km.ShowAll, h.km.Open)
	s := h.waitFor("end of log", "/ search")
	if strings.Contains(s, "/ filter") {
		t.Fatal("the Logs view hints / filter")
	}
	h.press(h.km.Back, h.km.Images)
	s = h.waitFor("48.3MB", "R run image")
	if strings.Contains(s, "e shell") {
		t.Fatal("the Images view hints e shell")
	}
}

// TestFlowDetailKeys guards 1–4, D and p on a container's detail tabs.
func TestFlowDetailKeys(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Open)
	h.waitFor("end of log")
	h.press(h.km.Pause)
	h.waitCall("pause web")
	h.waitFor("✓ paused web")
	h.press(h.km.Remove)
	h.waitFor("remove web (1 running, will be killed)? (y/n)")
	h.press(h.km.Cancel)
	h.press(h.km.Images)
	h.waitFor("48.3MB", "REPOSITORY")
	h.press(h.km.Containers, h.km.Open)
	h.waitFor("end of log")
	h.press(h.km.Networks)
	h.waitFor("10.88.0.0/16")
}

// TestFlowMessageHistory guards `!`: an error longer than the status bar
// can be read in full afterwards.
func TestFlowMessageHistory(t *testing.T) {
	f := world()
	long := "stopping: " + strings.Repeat("the runtime said something long ", 6) + "and this is the end"
	f.fail["stop"] = errors.New(long)
	h := start(t, f, 80, 24)
	h.waitFor("batch-with")
	h.press(h.km.Stop)
	h.waitFor("✗ stopping: the runtime")
	h.press(h.km.Messages)
	s := h.waitFor("messages", "this is the end")
	if !strings.Contains(strings.Join(strings.Fields(s), " "), strings.Join(strings.Fields(long), " ")) {
		t.Fatalf("the history lacks the full message:\n%s", s)
	}
	h.press(h.km.Back)
	h.waitFor("batch-with")
}
