package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	h.waitFor("✓ paused web")
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
	if err != nil || !strings.HasPrefix(string(b), "2026-03-01T11:59:20Z GET") {
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
