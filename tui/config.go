package tui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/berthdev/berth/internal/userconfig"
)

// ConfigPath is berth's config file, docker-like:
// $XDG_CONFIG_HOME/berth/config.json (~/.config/berth/config.json).
func ConfigPath() string { return userconfig.Path("config.json") }

// config is the part of berth's config file the workbench reads:
//
//	{"keys": {"stop": ["x", "ctrl+x"], "shell": ["enter"]}}
//
// Actions are KeyMap's field names in any case ("nextTab", "stop"); keys
// are spelt as `?` shows them ("ctrl+a", "shift+tab", "pgdown").
type config struct {
	Keys map[string][]string `json:"keys"`
}

// LoadKeyMap is DefaultKeyMap with the bindings of the config file at path
// replacing the defaults; a missing file is the defaults.
func LoadKeyMap(path string) (*KeyMap, error) {
	km := DefaultKeyMap()
	var c config
	if found, err := userconfig.ReadJSON(path, "config", &c); err != nil || !found {
		return km, err
	}
	if err := km.apply(c.Keys); err != nil {
		return nil, fmt.Errorf("config %s: %v", path, err)
	}
	return km, nil
}

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
