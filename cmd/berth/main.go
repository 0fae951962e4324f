// Command berth is the container workbench: with no arguments it opens the
// TUI; with a verb it behaves like the docker CLI.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
	// reexec's init runs `berth init` and `berth seccomp-compile` before
	// the packages the CLI needs are initialised; it must stay linked.
	_ "github.com/berthdev/berth/internal/reexec"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == engine.PauseCommand {
		os.Exit(engine.PauseMain()) // a rootless user's namespaces (engine/rootlessenter.go)
	}
	if args, ok := shimArgs(os.Args[1:]); ok {
		os.Exit(shimMain(args))
	}
	c := newCLI()
	c.root.SetArgs(composeArgs(os.Args[1:]))
	err := c.root.Execute()
	if err == nil {
		os.Exit(0)
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "berth: "+ee.msg)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
	os.Exit(exitCode(err))
}

// exitError carries a specific exit status (a container's, or docker's 125,
// 126, 127) out of a command. msg, when set, is printed first.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode is docker's CLI status for a failed verb: 1. (run, create and
// start return 125 for engine errors themselves, through exitError.)
func exitCode(err error) int { return 1 }

// classSuffixes are the error classes' own words, dropped from what a user
// reads when the message already says what went wrong ("not found" stays:
// messages are written to end with it).
var classSuffixes = []error{errdefs.ErrInvalid, errdefs.ErrFailedPrecondition,
	errdefs.ErrAlreadyExists, errdefs.ErrUnavailable, errdefs.ErrPermission}

// oneLine is an error as the one line a user sees.
// The class words are dropped wherever a wrap left them: at the end of
// the message, before a further wrap's text ("x: failed precondition: y"),
// and at the end of each line of a joined error.
func oneLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i, s := range lines {
		s = strings.TrimSpace(s)
		for _, c := range classSuffixes {
			s = strings.ReplaceAll(s, ": "+c.Error()+": ", ": ")
			s = strings.TrimSuffix(s, ": "+c.Error())
		}
		lines[i] = s
	}
	return strings.Join(lines, "; ")
}
