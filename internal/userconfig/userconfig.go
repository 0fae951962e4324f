// Package userconfig owns where berth keeps a user's own files (key
// bindings, lesson progress) and how they are read: docker-like, under
// $XDG_CONFIG_HOME/berth (~/.config/berth), a missing file meaning defaults.
package userconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Path is the user's file name in berth's config directory; "" when the
// directory cannot be known (no HOME).
func Path(name string) string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "berth", name)
}

// ReadJSON decodes the file at path into v. It reports false, and no error,
// when path is "" or the file does not exist; what is called the file in a
// decoding error is what.
func ReadJSON(path, what string, v any) (bool, error) {
	if path == "" {
		return false, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s %s: %v", what, path, err)
	}
	return true, nil
}

// SetJSON sets one top-level field of the JSON object in the file at path
// to v, keeping every other field as it is, and writes the file whole or
// not at all: a temporary file beside it, synced, renamed over it. A
// missing file (or directory) is created; path "" is an error.
func SetJSON(path, field string, v any) error {
	if path == "" {
		return errors.New("no config directory (HOME is not set)")
	}
	doc := map[string]json.RawMessage{}
	mode := fs.FileMode(0o644)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("config %s: %v", path, err)
		}
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	doc[field] = raw
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing to remove
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
