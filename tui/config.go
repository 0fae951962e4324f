package tui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/internal/userconfig"
)

// ConfigPath is berth's config file, docker-like:
// $XDG_CONFIG_HOME/berth/config.json (~/.config/berth/config.json).
func ConfigPath() string { return userconfig.Path("config.json") }

// config is the part of berth's config file the workbench reads:
//
//	{"keys": {"stop": ["x", "ctrl+x"], "shell": ["enter"]},
//	 "workbench": {"hiddenColumns": ["BLOCK I/O", "COMMAND"]}}
//
// Actions are KeyMap's field names in any case ("nextTab", "stop"); keys
// are spelt as `?` shows them ("ctrl+a", "shift+tab", "pgdown"). The
// workbench part is what it remembers itself (the column chooser writes
// it); columns are named as the container list's header names them.
type config struct {
	Keys      map[string][]string `json:"keys"`
	Workbench workbenchConfig     `json:"workbench"`
}

// workbenchConfig is the "workbench" object of the config file.
type workbenchConfig struct {
	// HiddenColumns are the container list's columns the user turned off;
	// a column berth adds later is shown until turned off.
	HiddenColumns []string `json:"hiddenColumns,omitempty"`
}

// Settings are what the config file says: the key map and the
// workbench's remembered choices.
type Settings struct {
	KeyMap        *KeyMap
	HiddenColumns []string
}

// LoadKeyMap is DefaultKeyMap with the bindings of the config file at path
// replacing the defaults; a missing file is the defaults.
func LoadKeyMap(path string) (*KeyMap, error) {
	s, err := LoadSettings(path)
	return s.KeyMap, err
}

// LoadSettings reads the config file at path: a missing file is the
// defaults, a bad one an error of one line naming it.
func LoadSettings(path string) (Settings, error) {
	s := Settings{KeyMap: DefaultKeyMap()}
	var c config
	if found, err := userconfig.ReadJSON(path, "config", &c); err != nil || !found {
		return s, err
	}
	if err := s.KeyMap.apply(c.Keys); err != nil {
		return Settings{}, fmt.Errorf("config %s: %v", path, err)
	}
	for _, h := range c.Workbench.HiddenColumns {
		if !slices.Contains(choosableColumns(), h) {
			return Settings{}, fmt.Errorf("config %s: workbench: hiddenColumns: no column %q (the columns are %s)", path, h, strings.Join(choosableColumns(), ", "))
		}
	}
	s.HiddenColumns = c.Workbench.HiddenColumns
	return s, nil
}

// configWriter orders the workbench's writes to the config file: each
// choice is a command of its own, and commands run concurrently, so a
// write whose choice is no longer the newest is skipped rather than left
// to land last.
type configWriter struct {
	mu     sync.Mutex
	newest atomic.Int64
}

// saveHiddenColumns writes the columns turned off to the config file at
// path, keeping the rest of it.
func (w *configWriter) saveHiddenColumns(path string, hidden []string) tea.Cmd {
	gen := w.newest.Add(1)
	return func() tea.Msg {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.newest.Load() != gen {
			return nil
		}
		var c config
		if _, err := userconfig.ReadJSON(path, "config", &c); err != nil {
			return columnsSavedMsg{err}
		}
		c.Workbench.HiddenColumns = hidden
		return columnsSavedMsg{userconfig.SetJSON(path, "workbench", c.Workbench)}
	}
}

// columnsSavedMsg is the column choice, written to the config file.
type columnsSavedMsg struct{ err error }

// apply rebinds the named actions.
func (k *KeyMap) apply(keys map[string][]string) error {
	v := reflect.ValueOf(k).Elem()
	fields := map[string]reflect.Value{}
	var names []string
	for i := range v.NumField() {
		n := v.Type().Field(i).Name
		fields[strings.ToLower(n)] = v.Field(i)
		names = append(names, strings.ToLower(n[:1])+n[1:])
	}
	actions := make([]string, 0, len(keys))
	for a := range keys {
		actions = append(actions, a)
	}
	slices.Sort(actions) // the same error first each time
	for _, a := range actions {
		f, ok := fields[strings.ToLower(a)]
		if !ok {
			return fmt.Errorf("keys: no action %q (the actions are %s)", a, strings.Join(names, ", "))
		}
		ks := keys[a]
		if len(ks) == 0 || slices.Contains(ks, "") {
			return fmt.Errorf("keys: %s: give one key or more", a)
		}
		old := f.Interface().(key.Binding)
		f.Set(reflect.ValueOf(key.NewBinding(key.WithKeys(ks...), key.WithHelp(strings.Join(ks, "/"), old.Help().Desc))))
	}
	return nil
}
