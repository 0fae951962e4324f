package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
)

// upAttached is `compose up` without -d: the services' output until they
// all end, the user interrupts (then they are stopped), or, with abort,
// one of them ends (then all are stopped, and the exit status is that of
// codeFrom's container, else of the one that ended), as docker compose
// does. Each container that ends is reported as "NAME exited with code N".
func upAttached(ctx context.Context, stop func(), r *compose.Runner, cs []engine.ContainerSummary, began time.Time, abort bool, codeFrom string, timeout time.Duration) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first := -1
	lo := logsOutput{color: term.IsTerminal(int(os.Stdout.Fd())), ended: func(i int) {
		code := 0
		if in, err := r.E.Inspect(cs[i].ID); err == nil {
			code = in.State.ExitCode
		}
		fmt.Printf("%s exited with code %d\n", compose.Name(cs[i]), code)
		if abort && first < 0 {
			first = i
			cancel()
		}
	}}
	err := followLogs(fctx, r.E, cs, engine.LogOptions{Follow: true, Tail: -1, Since: began}, lo)
	stopAll := func() {
		for _, c := range cs {
			if err := r.E.Stop(context.Background(), c.ID, timeout); err == nil {
				fmt.Fprintf(os.Stderr, " Container %s  Stopped\n", compose.Name(c))
			}
		}
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "Gracefully stopping... (press Ctrl+C again to force)")
		stop()
		stopAll()
		return nil
	case first >= 0:
		fmt.Fprintln(os.Stderr, "Aborting on container exit...")
		stopAll()
		ref := cs[first].ID
		if codeFrom != "" {
			for _, c := range cs {
				if c.Labels[compose.LabelService] == codeFrom {
					ref = c.ID
					break
				}
			}
		}
		in, err := r.E.Inspect(ref)
		if err != nil {
			return err
		}
		return containerExit(in.State.ExitCode, nil)
	}
	return err
}
