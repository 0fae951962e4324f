package tutorials

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/berthdev/berth/internal/userconfig"
)

// Progress is how far the learner got: for each lesson (by Name), the
// step they are on, counting from 0; len(Steps) is a finished lesson.
type Progress map[string]int

// ProgressPath is where progress is kept, next to berth's config file:
// $XDG_CONFIG_HOME/berth/lessons.json (~/.config/berth/lessons.json).
func ProgressPath() string { return userconfig.Path("lessons.json") }

// progressFile is the file's shape: {"steps": {"first-container": 2}}.
type progressFile struct {
	Steps Progress `json:"steps"`
}

// LoadProgress reads the progress file at path; a missing file (or path
// "") is no progress.
func LoadProgress(path string) (Progress, error) {
	p := Progress{}
	var f progressFile
	if found, err := userconfig.ReadJSON(path, "lesson progress", &f); err != nil || !found {
		return p, err
	}
	for k, v := range f.Steps {
		p[k] = v
	}
	return p, nil
}

// Save writes the progress to path (temp file, then rename); path ""
// keeps nothing.
func (p Progress) Save(path string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(progressFile{Steps: p}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lessons-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Step is the step the learner is on in l, within 0..len(l.Steps).
func (p Progress) Step(l *Lesson) int {
	return min(max(p[l.Name], 0), len(l.Steps))
}
