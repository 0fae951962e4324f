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
