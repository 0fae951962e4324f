package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/berthdev/berth/engine"
)

// shimArgs says whether args (os.Args[1:]) run the shim, and returns its
// arguments: those after "shim", with a leading global --root moved in.
func shimArgs(args []string) ([]string, bool) {
	var root []string
	for len(args) > 0 {
		switch {
		case args[0] == "--root" && len(args) > 1:
			root, args = args[:2], args[2:]
			continue
		case strings.HasPrefix(args[0], "--root="):
			root, args = args[:1], args[1:]
			continue
		}
		break
	}
	if len(args) == 0 || args[0] != "shim" {
		return nil, false
	}
	return append(append([]string{}, root...), args[1:]...), true
}

// shimMain is the hidden `berth shim`: the per-container supervisor that
// `run` and `start` launch; users never call it. main dispatches it before
// building the cobra command tree, which cost the shim ~12 % of a bare
// berth process's CPU (newCLI) for flags it does not use.
//
//	berth shim [--root DIR] --run-root DIR [--wait-attach] ID
//	berth shim --prepared
func shimMain(args []string) int {
	var o engine.ShimOptions
	var prepared bool
	fs := flag.NewFlagSet("shim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Root, "root", "", "store directory")
	fs.StringVar(&o.RunRoot, "run-root", "", "run directory")
	fs.BoolVar(&o.WaitAttach, "wait-attach", false, "start only once a client has attached")
	fs.BoolVar(&prepared, "prepared", false, "wait for the container on fd 4 (engine.Options.PrepareStart)")
	err := fs.Parse(args)
	switch {
	case err != nil:
	case prepared && fs.NArg() != 0:
		err = errors.New("shim --prepared takes no arguments")
	case prepared:
		err = engine.RunPreparedShim()
	case fs.NArg() != 1:
		err = fmt.Errorf("shim takes one container ID, got %d arguments", fs.NArg())
	default:
		o.ID = fs.Arg(0)
		err = engine.RunShim(o)
	}
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "berth: "+ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
	return exitCode(err)
}
