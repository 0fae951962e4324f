package tui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

// hideColumns presses, through the KeyMap, the chooser's keys that turn
// off STATE, CPU % and MEM, then closes it.
func hideColumns(h *harness) {
	km := h.km
	h.press(km.Columns)
	h.waitFor("[x] STATE")
	h.press(km.Down, km.Down, km.Toggle, km.Down, km.Down, km.Toggle, km.Down, km.Toggle)
	h.waitFor("[ ] STATE", "[ ] CPU %", "[ ] MEM")
	h.press(km.Submit)
	h.waitGone("[ ] STATE")
}

// TestViewsColumns: the chooser, and the list with three columns off, at
// 80×24 and 160×48; at 80 columns PORTS fits once they are off.
func TestViewsColumns(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("chooser_%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, world(), size[0], size[1])
			h.waitFor("25.0%")
			h.press(h.km.Columns, h.km.Down, h.km.Down, h.km.Toggle)
			h.waitFor("[ ] STATE")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
		t.Run(fmt.Sprintf("hidden_%dx%d", size[0], size[1]), func(t *testing.T) {
			h := start(t, world(), size[0], size[1])
			h.waitFor("25.0%")
			hideColumns(h)
			s := h.waitFor("PORTS", "127.0.0.1:8080->8080/")
			for _, gone := range []string{"STATE", "CPU %", "MEM"} {
				if strings.Contains(s, gone+" ") {
					t.Errorf("%s is still shown:\n%s", gone, s)
				}
			}
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}

// TestFlowColumnChooserPersists: the choice is written to the config file
// (its other settings kept) and a workbench started afresh from it shows
// the same columns; NAME cannot be turned off.
func TestFlowColumnChooserPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"keys": {"stop": ["z"]}, "auths": {"r.example": {}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startOpts(t, world(), 160, 30, Options{Config: path})
	h.waitFor("25.0%")
	h.press(h.km.Columns, h.km.Toggle) // NAME: stays
	h.waitFor("[x] NAME")
	h.press(h.km.Submit)
	hideColumns(h)
	var doc map[string]json.RawMessage
	if !eventually(func() bool {
		set, err := LoadSettings(path)
		return err == nil && slices.Equal(set.HiddenColumns, []string{"STATE", "CPU %", "MEM"})
	}) {
		b, _ := os.ReadFile(path)
		t.Fatalf("the config file never got the choice:\n%s", b)
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &doc); err != nil || doc["auths"] == nil || doc["keys"] == nil {
		t.Errorf("the config file lost its other settings (%v):\n%s", err, b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("the config file's mode is %v, was 0600", st.Mode().Perm())
	}

	set, err := LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if set.KeyMap.Stop.Keys()[0] != "z" {
		t.Errorf("the key binding was lost: stop is %q", set.KeyMap.Stop.Keys())
	}

	// A click on a tab while the chooser is open keeps the choice too.
	h.press(h.km.Columns, h.km.Down, h.km.Toggle) // IMAGE off
	h.waitFor("[ ] IMAGE")
	h.tm.Send(tea.MouseClickMsg{X: 22, Y: 0, Button: tea.MouseLeft}) // "2 Images"
	h.waitGone("[ ] IMAGE")
	if !eventually(func() bool {
		set, err := LoadSettings(path)
		return err == nil && slices.Contains(set.HiddenColumns, "IMAGE")
	}) {
		b, _ := os.ReadFile(path)
		t.Fatalf("a click on a tab lost the choice:\n%s", b)
	}
	set, _ = LoadSettings(path)
	again := startOpts(t, world(), 160, 30, Options{Config: path, HiddenColumns: set.HiddenColumns})
	s := again.waitFor("batch-with", "NAME")
	head := strings.SplitN(s, "\n", 3)[1]
	for _, gone := range []string{"STATE", "CPU %", "MEM"} {
		if strings.Contains(head, gone) {
			t.Errorf("after a restart %s is shown again: %q", gone, head)
		}
	}
}

func TestHiddenColumnsConfigError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(path, []byte(`{"workbench": {"hiddenColumns": ["CPU"]}}`), 0o644)
	_, err := LoadSettings(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `no column "CPU"`) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("LoadSettings(unknown column) = %v, want one line naming the file and the column", err)
	}
}

// TestFlowClickHeaderWithHiddenColumns: a click on a column's title sorts
// by that column where it is drawn, with columns turned off before it.
func TestFlowClickHeaderWithHiddenColumns(t *testing.T) {
	h := start(t, world(), 160, 30)
	h.waitFor("25.0%")
	hideColumns(h)
	s := h.waitFor("STATUS")
	head := strings.SplitN(s, "\n", 3)[1]
	x := strings.Index(head, "STATUS") + 2
	h.tm.Send(tea.MouseClickMsg{X: x, Y: 1, Button: tea.MouseLeft})
	h.waitFor("STATUS▲")
}
