package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyConfig rebinds keys from a config file: the new key acts, the
// old one does not, and `?` lists the new binding.
func TestKeyConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"keys": {"stop": ["z", "ctrl+x"], "Help": ["h"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	km, err := LoadKeyMap(path)
	if err != nil {
		t.Fatal(err)
	}
	f := world()
	h := startWith(t, f, 100, 30, km)
	h.waitFor("batch-with")
	h.tm.Send(keyMsg("x"))
	h.press(km.Help)
	h.waitFor("any key closes", "z/ctrl+x", "stop")
	h.press(km.Help)
	h.waitGone("any key closes")
	if containsCall(f.Calls(), "stop web") {
		t.Fatal("the default stop key still stops")
	}
	h.tm.Send(keyMsg("ctrl+x"))
	h.waitCall("stop web")
}

func TestKeyConfigErrors(t *testing.T) {
	dir := t.TempDir()
	if km, err := LoadKeyMap(filepath.Join(dir, "none.json")); err != nil || km.Stop.Keys()[0] != "x" {
		t.Fatalf("a missing config file: %v, want the defaults", err)
	}
	for body, want := range map[string]string{
		`{"keys": {"stpo": ["z"]}}`: `keys: no action "stpo"`,
		`{"keys": {"stop": []}}`:    "keys: stop: give one key or more",
		`{"keys": `:                 "unexpected end of JSON input",
	} {
		path := filepath.Join(dir, "config.json")
		os.WriteFile(path, []byte(body), 0o644)
		_, err := LoadKeyMap(path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line naming %s and saying %q", body, err, path, want)
		}
	}
}
