package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/tutorials"
)

func init() { commands = append(commands, newLessonsCmd) }

// newLessonsCmd is `berth lessons` (the lessons and how far you got) and
// `berth lessons check NAME` (the current step's checks against the store;
// the steps that pass are remembered, as the workbench's pane does).
func newLessonsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lessons",
		Short: "List the guided lessons and your progress (the workbench's L pane)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			all, err := tutorials.All()
			if err != nil {
				return err
			}
			p, err := tutorials.LoadProgress(tutorials.ProgressPath())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(os.Stdout, 4, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTITLE\tPROGRESS")
			for _, l := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Name, l.Title, progressText(p.Step(l), len(l.Steps)))
			}
			return tw.Flush()
		},
	}
	var lessonsDir string
	cmd.PersistentFlags().StringVar(&lessonsDir, "lessons-dir", "", "Read a teacher's lessons (*.md) from DIR too (default $BERTH_LESSONS_DIR or ~/.config/berth/lessons)")
	cmd.PersistentPreRun = func(cmd *cobra.Command, args []string) {
		if lessonsDir != "" {
			os.Setenv("BERTH_LESSONS_DIR", lessonsDir)
		}
	}
	var asJSON bool
	check := &cobra.Command{
		Use:   "check NAME",
		Short: "Check your current step of a lesson against the store; exit 0 once the lesson is complete",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := tutorials.Find(args[0])
			if err != nil {
				return err
			}
			path := tutorials.ProgressPath()
			p, err := tutorials.LoadProgress(path)
			if err != nil {
				return err
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			from := p.Step(l)
			n, rs := l.Advance(context.Background(), e, nil, from)
			if asJSON {
				// For grading: every step up to the current one, and its
				// checks; the exit status says whether the lesson is done.
				var steps []stepReport
				for i := range l.Steps {
					switch {
					case i < n:
						steps = append(steps, stepReport{Step: i + 1, Title: l.Steps[i].Title, Status: "pass"})
					case i == n:
						steps = append(steps, reportOf(i, l.Steps[i], rs))
					default:
						steps = append(steps, stepReport{Step: i + 1, Title: l.Steps[i].Title, Status: "pending"})
					}
				}
				if n != from {
					p[l.Name] = n
					p.Save(path)
				}
				json.NewEncoder(os.Stdout).Encode(map[string]any{"lesson": l.Name, "complete": n == len(l.Steps), "step": n + 1, "steps": steps})
				if n == len(l.Steps) {
					return nil
				}
				return exitError{code: 1}
			}
			for i := from; i < n; i++ {
				fmt.Printf("✓ step %d done: %s\n", i+1, l.Steps[i].Title)
			}
			if n != from {
				p[l.Name] = n
				if err := p.Save(path); err != nil {
					return fmt.Errorf("saving lesson progress: %w", err)
				}
			}
			if n == len(l.Steps) {
				fmt.Printf("%s: complete\n", l.Title)
				return nil
			}
			s := l.Steps[n]
			fmt.Printf("%s · step %d/%d: %s\n", l.Title, n+1, len(l.Steps), s.Title)
			for _, c := range s.Commands {
				fmt.Println("  $ " + c)
			}
			printResults(rs)
			return exitError{code: 1}
		},
	}
	check.Flags().BoolVar(&asJSON, "json", false, "Print a JSON report of every step (for grading)")
	cmd.AddCommand(check, newLessonsSolveCmd(c), newLessonsResetCmd(c))
	return cmd
}

func progressText(step, steps int) string {
	switch step {
	case 0:
		return "new"
	case steps:
		return "done"
	}
	return fmt.Sprintf("step %d/%d", step+1, steps)
}
