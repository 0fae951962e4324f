package tui

import (
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/berthdev/berth/tutorials"
)

// berthCommand is how `:` runs berth: this very binary, on the engine's
// store; nil when either is unknown.
func berthCommand(e Engine) []string {
	exe, err := os.Executable()
	r, ok := e.(interface{ Root() string })
	if err != nil || !ok {
		return nil
	}
	return []string{exe, "--root", r.Root()}
}

// Run opens the workbench on the terminal and returns when the user quits.
// NO_COLOR (any non-empty value) turns colours off; keys are rebound in
// berth's config file (see LoadKeyMap).
func Run(e Engine) error {
	noColor := os.Getenv("NO_COLOR") != ""
	set, err := LoadSettings(ConfigPath())
	if err != nil {
		return err
	}
	app := New(e, Options{NoColor: noColor, KeyMap: set.KeyMap, LessonProgress: tutorials.ProgressPath(), Berth: berthCommand(e),
		Config: ConfigPath(), HiddenColumns: set.HiddenColumns})
	defer app.Close()
	// 30 frames a second is smooth for lists and halves the idle cost of
	// Bubble Tea's 60 Hz frame ticker (bench/tui: 1.2 % -> 0.8 % of a core).
	opts := []tea.ProgramOption{tea.WithFPS(30)}
	if noColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err = tea.NewProgram(app, opts...).Run()
	return err
}
