package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// forEach applies fn to every argument, as docker's multi-container verbs
// do: each success prints the argument, each failure prints one line, and
// the exit status is 1 if any failed.
func forEach(args []string, fn func(string) error) error {
	failed := false
	for _, a := range args {
		if err := fn(a); err != nil {
			fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
			failed = true
			continue
		}
		fmt.Println(a)
	}
	if failed {
		return exitError{code: 1}
	}
	return nil
}

// simpleVerb builds a verb that takes one or more containers and applies fn.
func simpleVerb(c *cli, use, short string, fn func(c *cli, ref string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := c.engine(); err != nil {
				return err
			}
			return forEach(args, func(ref string) error { return fn(c, ref) })
		},
	}
}

// parseDetachKeys reads docker's --detach-keys: "ctrl-p,ctrl-q", letters, "ctrl-@".
func parseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(k, "ctrl-") && len(k) == 6:
			ch := k[5]
			switch {
			case ch >= 'a' && ch <= 'z':
				out = append(out, ch-'a'+1)
			case ch == '@':
				out = append(out, 0)
			case ch >= '[' && ch <= '_':
				out = append(out, ch-'['+27)
			default:
				return nil, fmt.Errorf("invalid detach keys %q: unknown key %q", s, k)
			}
		default:
			return nil, fmt.Errorf("invalid detach keys %q: unknown key %q", s, k)
		}
	}
	return out, nil
}
