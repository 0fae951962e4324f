package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestKeyNames checks that the test's key presses spell every binding as
// Bubble Tea does, so flow tests press what a user presses.
func TestKeyNames(t *testing.T) {
	km := DefaultKeyMap()
	for _, g := range km.FullHelp() {
		for _, b := range g {
			for _, k := range b.Keys() {
				if got := keyMsg(k).String(); got != k {
					t.Errorf("keyMsg(%q).String() = %q", k, got)
				}
			}
		}
	}
}

// TestFlows presses keys through the key map on the fake engine and checks
// what the engine was asked, what the screen shows, and the command log.
func TestFlows(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeEngine)
		keys  func(km *KeyMap) []key.Binding
		call  string   // the engine call the keys lead to
		shows []string // on screen afterwards
		hides []string // not on screen afterwards
	}{
		{name: "stop the selected container",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Stop} },
			call: "stop web", shows: []string{"$ berth stop web", "✓ stopped web", "Exited (0)"}},
		{name: "start a created container",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Down, km.Down, km.Down, km.Down, km.Start} },
			call: "start fresh", shows: []string{"$ berth start fresh", "✓ started fresh"}},
		{name: "restart two marked containers",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Mark, km.Mark, km.Restart} },
			call: "restart db", shows: []string{"$ berth restart web db"}},
		{name: "pause then the paused one unpauses",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Down, km.Down, km.Pause} },
			call: "unpause worker", shows: []string{"$ berth unpause worker"}},
		{name: "kill",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Kill} },
			call: "kill web", shows: []string{"$ berth kill web", "✓ killed web"}},
		{name: "remove a running container asks, then forces",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Remove, km.Confirm} },
			call: "rm -f web", shows: []string{"$ berth rm -f web", "1 running · 5 total"}},
		{name: "remove a stopped container",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Down, km.Down, km.Down, km.Remove, km.Confirm} },
			call: "rm crashed", shows: []string{"$ berth rm crashed", "2 running · 5 total"}},
		{name: "an engine error shows in the status bar",
			setup: func(f *fakeEngine) {
				f.fail["stop"] = fmt.Errorf("container %q: stopping: %w", "web", errdefs.ErrUnavailable)
			},
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Stop} },
			call: "stop web", shows: []string{`✗ container "web": stopping: unavailable`, "failed on web"}},
		{name: "shell hands the terminal to exec and comes back",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Shell} },
			call: "exec web /bin/sh tty=true", shows: []string{"$ berth exec -it web sh", "✓ back from shell in web"}},
		{name: "attach and detach",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Attach} },
			call: "attach web", shows: []string{"$ berth attach web", "✓ back from attach in web"}},
		{name: "one key debugs a crashed container in a copy",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Down, km.Down, km.Down, km.Debug} },
			call: "debug crashed tty=true", shows: []string{"$ berth debug crashed", "✓ back from debug in crashed"}},
		{name: "the crash report tab, then debug from it",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Down, km.Down, km.Down, km.Crash, km.Debug} },
			call: "debug crashed tty=true", shows: []string{"$ berth debug --report crashed", "SIGKILL", "A /tmp/partial"}},
		{name: "the stats tab graphs a running container",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Stats} },
			call: "", shows: []string{"$ berth stats web", "╌ limit 64MiB", "PIDS 6", "█"}},
		{name: "create a volume from the Volumes tab",
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Volumes, km.Create} },
			call: "", shows: []string{"new volume name:", "$ berth volume ls"}},
		{name: "a failed exec says why",
			setup: func(f *fakeEngine) {
				f.fail["exec"] = errors.New(`container db is paused, unpause the container before exec`)
			},
			keys: func(km *KeyMap) []key.Binding { return []key.Binding{km.Down, km.Shell} },
			call: "exec db /bin/sh tty=true", shows: []string{"✗ container db is paused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := world()
			if tt.setup != nil {
				tt.setup(f)
			}
			h := start(t, f, 100, 30)
			h.waitFor("batch-with")
			h.press(tt.keys(h.km)...)
			if tt.call != "" {
				h.waitCall(tt.call)
			}
			h.waitFor(tt.shows...)
			if tt.hides != nil {
				h.waitGone(tt.hides...)
			}
		})
	}
}

// TestFlowListIsLive checks that containers made elsewhere appear from
// events, and removed ones go, without a refresh key.
func TestFlowListIsLive(t *testing.T) {
	f := world()
	h := start(t, f, 100, 30)
	h.waitFor("batch-with")
	f.add("newcomer")
	h.waitFor("newcomer", "3 running · 7 total")
	f.Remove(nil, "newcomer", true)
	h.waitGone("newcomer")
}

func TestFlowFilterSortShowStopped(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Filter)
	h.typeText("busybox")
	h.tm.Send(keyMsg("enter"))
	s := h.waitGone("worker")
	if !strings.Contains(s, "$ berth ps -a | grep -i busybox") {
		t.Errorf("the filter is not in the command log:\n%s", s)
	}
	h.press(h.km.Back)
	h.waitFor("worker")

	h.press(h.km.ShowAll)
	s = h.waitGone("crashed", "fresh")
	if !strings.Contains(s, "$ berth ps\n") && !strings.Contains(s, "$ berth ps ") {
		t.Errorf("hiding stopped containers is not `berth ps` in the command log:\n%s", s)
	}
	h.press(h.km.ShowAll)
	h.waitFor("crashed")

	h.press(h.km.Sort) // by name, A to Z: batch… first
	s = h.waitFor("NAME▲")
	if i, j := strings.Index(s, "batch-with"), strings.Index(s, "worker"); i > j {
		t.Errorf("sorted by name, batch… comes after worker:\n%s", s)
	}
	h.press(h.km.Reverse)
	s = h.waitFor("NAME▼")
	if i, j := strings.Index(s, "batch-with"), strings.Index(s, "worker"); i < j {
		t.Errorf("sorted by name Z to A, batch… comes before worker:\n%s", s)
	}
}

func TestFlowLogs(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Logs)
	h.waitFor("request=39", "end of log", "$ berth logs -f --tail 1000 web")
	h.press(h.km.Timestamps)
	h.waitFor("2026-03-01T11:59:59.000000000Z GET", "$ berth logs -f -t --tail 1000 web")
	h.press(h.km.Top)
	h.waitFor("request=0\n")
	h.press(h.km.Search)
	h.typeText("request=7")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("search: request=7", "$ berth logs web 2>&1 | grep -i request=7")
	h.press(h.km.Back) // clears the search
	h.waitGone("search: request=7")
	h.press(h.km.NextTab)
	h.waitFor(`"Status": "running"`, "$ berth inspect web")
	h.press(h.km.NextTab)
	h.waitFor("C /etc", "$ berth diff web")
	h.press(h.km.NextTab)
	h.waitFor("httpd -f -p 8080", "$ berth inspect --processes web   docker: docker top web")
	h.press(h.km.NextTab)
	h.waitFor("the host's", "$ berth inspect --namespaces web")
	h.press(h.km.NextTab)
	h.waitFor("CPU 13.5% of one core", "$ berth stats web")
	h.press(h.km.NextTab)
	h.waitFor("a crash report is for a stopped container", "$ berth debug --report web")
	h.press(h.km.NextTab) // round to the log, where it was left
	h.waitFor("40 lines · timestamps", "request=0\n")
	h.press(h.km.Back)
	h.waitFor("batch-with")
}

func TestFlowHelpAndQuit(t *testing.T) {
	h := start(t, world(), 80, 24)
	h.waitFor("web")
	h.press(h.km.Help)
	h.waitFor("any key closes", "mark all")
	h.press(h.km.Help)
	h.waitGone("any key closes")
	h.press(h.km.Quit)
	h.tm.WaitFinished(t)
}

func TestFlowMouse(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.tm.Send(tea.MouseClickMsg{X: 3, Y: 3, Button: tea.MouseLeft}) // the second row: db
	h.press(h.km.Stop)
	h.waitCall("stop db")
	h.tm.Send(tea.MouseClickMsg{X: 22, Y: 0, Button: tea.MouseLeft}) // "2 Images"
	h.waitFor("REPOSITORY")
}

// TestFlowUsage checks that the running rows show CPU and memory, that
// only the visible running containers are sampled, and that the list
// sorts by CPU.
func TestFlowUsage(t *testing.T) {
	f := world()
	h := start(t, f, 160, 30)
	s := h.waitFor("25.0%", "37.5%", "6MiB", "9MiB", "127.0.0.1:8080->8080")
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "worker") && strings.Contains(line, "%") {
			t.Errorf("a paused container shows usage: %q", line)
		}
	}
	if got := f.usageAsked(); len(got) != 2 {
		t.Errorf("sampled %d containers, want the 2 running ones", len(got))
	}
	for range 6 { // created, name, image, state, status, id, then cpu
		h.press(h.km.Sort)
	}
	s = h.waitFor("CPU %▼")
	if i, j := strings.Index(s, "  db "), strings.Index(s, "  web "); i < 0 || i > j {
		t.Errorf("sorted by CPU, most first, db (37.5%%) is not above web (25.0%%):\n%s", s)
	}
}

func TestFlowCreateVolumeAndNetwork(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Volumes)
	h.waitFor("pgdata", "$ berth volume ls")
	h.press(h.km.Create)
	h.typeText("cache")
	h.tm.Send(keyMsg("enter"))
	h.waitCall("volume create cache")
	h.waitFor("$ berth volume create cache", "✓ created volume cache", "/var/lib/berth/volumes/cache/_data")
	h.press(h.km.NextTab) // Networks
	h.waitFor("10.88.0.0/16", "db, web")
	h.press(h.km.Create)
	h.typeText("back")
	h.tm.Send(keyMsg("esc")) // cancels
	h.waitGone("new network name")
	h.press(h.km.Create)
	h.typeText("backend")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("$ berth network create backend", "10.89.1.0/24")
	if containsCall(h.f.Calls(), "network create back") {
		t.Error("esc still created the network")
	}
	h.tm.Send(tea.MouseClickMsg{X: 8, Y: 0, Button: tea.MouseLeft}) // "1 Containers"
	h.waitFor("batch-with")
}

func TestFlowRemoveVolumeAndNetwork(t *testing.T) {
	h := start(t, world(), 100, 30)
	h.waitFor("batch-with")
	h.press(h.km.Volumes)
	h.waitFor("pgdata")
	h.press(h.km.Remove)
	h.waitFor("remove volume pgdata? (y/n)")
	h.press(h.km.Confirm)
	h.waitCall("volume rm pgdata")
	h.waitFor("✗ volume pgdata is in use by db", "failed on pgdata", "pgdata  ")
	h.press(h.km.Networks)
	h.waitFor("10.88.0.0/16")
	h.press(h.km.Remove)
	h.waitFor("remove network bridge? (y/n)")
	h.press(h.km.Confirm)
	h.waitCall("network rm bridge")
	h.waitFor("$ berth network rm bridge", "✓ removed network bridge", "no networks: n creates one")
}

// TestFlowRunForm runs an image from the images tab with the form's flags,
// and a bad -p stays in the form with its reason.
func TestFlowRunForm(t *testing.T) {
	h := start(t, world(), 120, 30)
	h.waitFor("batch-with")
	h.press(h.km.Images)
	h.waitFor("48.3MB")
	h.press(h.km.Run)
	h.waitFor("run busybox:latest", "empty: the image's CMD")
	next := func(s string) { h.typeText(s); h.tm.Send(keyMsg("tab")) }
	next("api")
	next("httpd -f")
	next("A=1 B=2")
	next("nope")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("✗ ") // the bad -p, in the form
	h.tm.Send(keyMsg("shift+tab"))
	for range 4 {
		h.tm.Send(keyMsg("backspace"))
	}
	h.typeText("8080:80")
	h.tm.Send(keyMsg("tab"))
	next("data:/data")
	h.tm.Send(keyMsg("tab")) // --network stays empty
	h.tm.Send(keyMsg("space"))
	h.waitFor("$ berth run -d --rm --name api -e A=1 -e B=2 -p 8080:80 -v data:/data busybox:latest httpd -f")
	h.tm.Send(keyMsg("enter"))
	h.waitCall("create api busybox:latest [httpd -f] env=[A=1 B=2] ports=1 binds=[data:/data] net= rm=true tty=false")
	h.waitFor("started api", "api ", "$ berth run -d --rm --name api")
}
