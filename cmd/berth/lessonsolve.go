package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/tutorials"
)

// stepReport is one step in `lessons check --json` and `lessons solve`.
type stepReport struct {
	Step   int            `json:"step"`
	Title  string         `json:"title"`
	Status string         `json:"status"` // pass, fail, workbench (only workbench checks left), pending
	Checks []checkReport  `json:"checks,omitempty"`
	Ran    []string       `json:"ran,omitempty"`
	Extra  map[string]any `json:"-"`
}

type checkReport struct {
	Check  string `json:"check"`
	Status string `json:"status"` // pass, fail, unknown
	Why    string `json:"why,omitempty"`
	Hint   string `json:"hint,omitempty"`
}

// stepStatus is a step's results as one word: a step whose only checks
// left are the workbench's own (opened views) is "workbench".
func stepStatus(rs []tutorials.Result) string {
	status := "pass"
	for _, r := range rs {
		switch {
		case r.Status == tutorials.Fail:
			return "fail"
		case r.Status == tutorials.Unknown && r.Check.Kind == "opened":
			status = "workbench"
		case r.Status == tutorials.Unknown:
			return "fail"
		}
	}
	return status
}

func reportOf(n int, s tutorials.Step, rs []tutorials.Result) stepReport {
	rep := stepReport{Step: n + 1, Title: s.Title, Status: stepStatus(rs)}
	for _, r := range rs {
		cr := checkReport{Check: r.Check.Describe(), Why: r.Why, Hint: r.Hint,
			Status: map[tutorials.Status]string{tutorials.Pass: "pass", tutorials.Fail: "fail", tutorials.Unknown: "unknown"}[r.Status]}
		rep.Checks = append(rep.Checks, cr)
	}
	return rep
}

// newLessonsSolveCmd is `lessons solve NAME [--step N]`: each step's
// reference solution (its commands, or its solution: lines) run in a
// shell on this store, each command printed first, and the step checked
// right after; a step that does not pass stops it (exit 1). Steps that
// only the workbench can check are said so and passed over.
func newLessonsSolveCmd(c *cli) *cobra.Command {
	var only int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "solve NAME",
		Short: "Replay a lesson's reference solution on this store, checking each step",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := tutorials.Find(args[0])
			if err != nil {
				return err
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			sh, cleanup, err := lessonShell(e)
			if err != nil {
				return err
			}
			defer cleanup()
			var reports []stepReport
			failed := false
			for n, s := range l.Steps {
				if only > 0 && n+1 != only {
					continue
				}
				rep := stepReport{Step: n + 1, Title: s.Title}
				if !asJSON {
					fmt.Printf("── step %d/%d: %s\n", n+1, len(l.Steps), s.Title)
				}
				for _, line := range s.Replay() {
					if !asJSON {
						fmt.Println("$ " + line)
					}
					rep.Ran = append(rep.Ran, line)
					if out, err := sh(line); err != nil {
						if !asJSON {
							os.Stdout.Write(out)
						}
						// A command may fail on purpose (an OOM kill, a fork
						// bomb's limit): the checks say whether the step is done.
					} else if !asJSON {
						os.Stdout.Write(out)
					}
				}
				rs := s.Evaluate(context.Background(), e, nil)
				r := reportOf(n, s, rs)
				rep.Status, rep.Checks = r.Status, r.Checks
				reports = append(reports, rep)
				if !asJSON {
					printResults(rs)
					if rep.Status == "workbench" {
						fmt.Println("  (this step is checked in the workbench: berth, then L)")
					}
				}
				if rep.Status == "fail" {
					failed = true
					break
				}
			}
			if asJSON {
				json.NewEncoder(os.Stdout).Encode(map[string]any{"lesson": l.Name, "steps": reports})
			}
			if failed {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&only, "step", 0, "Replay this step only (1-based)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Print a JSON report instead of the commands and their output")
	return cmd
}

// lessonShell runs a lesson's command lines with sh -c, "berth" being
// this binary on this store, in a working directory of the lesson run's
// own (where a lesson writes its Dockerfile).
func lessonShell(e *engine.Engine) (func(string) ([]byte, error), func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "berth-lesson-")
	if err != nil {
		return nil, nil, err
	}
	bin := filepath.Join(dir, "bin")
	work := filepath.Join(dir, "work")
	for _, d := range []string{bin, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, nil, err
		}
	}
	if err := os.Symlink(self, filepath.Join(bin, "berth")); err != nil {
		return nil, nil, err
	}
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "BERTH_ROOT="+e.Root())
	run := func(line string) ([]byte, error) {
		cmd := exec.Command("/bin/sh", "-c", line)
		cmd.Dir, cmd.Env = work, env
		return cmd.CombinedOutput()
	}
	return run, func() { os.RemoveAll(dir) }, nil
}

func printResults(rs []tutorials.Result) {
	for _, r := range rs {
		mark := map[tutorials.Status]string{tutorials.Pass: "✓", tutorials.Fail: "✗", tutorials.Unknown: "?"}[r.Status]
		line := mark + " " + r.Check.Describe()
		if r.Why != "" {
			line += " — " + r.Why
		}
		fmt.Println(line)
		if r.Hint != "" {
			fmt.Println("  hint: " + r.Hint)
		}
	}
}

// newLessonsResetCmd is `lessons reset NAME`: the containers, images,
// volumes and networks the lesson's checks name are removed, and only
// those; the lesson starts over at its first step.
func newLessonsResetCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "reset NAME",
		Short: "Remove what a lesson created (the objects its checks name) and start it over",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := tutorials.Find(args[0])
			if err != nil {
				return err
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			o := l.Objects()
			ctx := context.Background()
			for _, n := range o.Containers {
				if err := e.RemoveWithVolumes(ctx, n, true, true); err == nil {
					fmt.Println("removed container " + n)
				}
			}
			for _, n := range o.Images {
				if _, err := e.RemoveImage(n, true); err == nil {
					fmt.Println("removed image " + n)
				}
			}
			for _, n := range o.Volumes {
				if err := e.RemoveVolume(n, true); err == nil {
					fmt.Println("removed volume " + n)
				}
			}
			for _, n := range o.Networks {
				if err := e.RemoveNetwork(n); err == nil {
					fmt.Println("removed network " + n)
				}
			}
			path := tutorials.ProgressPath()
			p, err := tutorials.LoadProgress(path)
			if err != nil {
				return err
			}
			delete(p, l.Name)
			return p.Save(path)
		},
	}
}
