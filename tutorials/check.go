package tutorials

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
)

// Check is one machine check of a step: a kind and its arguments, as the
// lesson file spells it ("check: running web").
type Check struct {
	Kind string
	Args []string
	// Hints are what to tell the learner when the check fails: the
	// "hint:" lines under it. Hints[""] is for any failure; a hint keyed
	// by a reason (Reasons) is for that failure only.
	Hints map[string]string
	// Keep marks an invariant ("keep:" line): a condition the step needs
	// to stay true, shown as such (a container that must still run).
	Keep bool
}

// Reasons are the failure reasons a "hint REASON:" line can name.
var Reasons = []string{"missing", "stopped", "running", "wrong", "unknown"}

// Hint is the hint for a failure with reason, or the general one.
func (c Check) Hint(reason string) string {
	if h, ok := c.Hints[reason]; ok {
		return h
	}
	return c.Hints[""]
}

func (c Check) String() string { return strings.Join(append([]string{c.Kind}, c.Args...), " ") }

// kind is what a check kind takes and how it reads to a learner.
type kind struct {
	args     []string // the argument names, for errors; "[X]" is optional
	validate func(args []string) error
	describe func(args []string) string
}

// kinds are the check kinds. evaluate (state.go) gives each its meaning.
var kinds = map[string]kind{
	"exists":  {args: []string{"CONTAINER"}, describe: func(a []string) string { return "container " + a[0] + " exists" }},
	"absent":  {args: []string{"CONTAINER"}, describe: func(a []string) string { return "container " + a[0] + " is removed" }},
	"running": {args: []string{"CONTAINER"}, describe: func(a []string) string { return a[0] + " is running" }},
	"exited": {args: []string{"CONTAINER", "[CODE]"}, validate: optionalInt(1),
		describe: func(a []string) string {
			if len(a) > 1 {
				return a[0] + " exited with code " + a[1]
			}
			return a[0] + " has exited"
		}},
	"oom-killed": {args: []string{"CONTAINER"}, describe: func(a []string) string { return a[0] + " was killed by the OOM killer" }},
	"memory-limit": {args: []string{"CONTAINER", "SIZE"}, validate: func(a []string) error { _, _, err := parseBound(a[1], true); return err },
		describe: func(a []string) string { return a[0] + "'s memory limit is " + boundText(a[1]) }},
	"pids-limit": {args: []string{"CONTAINER", "N"}, validate: func(a []string) error { _, _, err := parseBound(a[1], false); return err },
		describe: func(a []string) string { return a[0] + "'s pids limit is " + boundText(a[1]) }},
	"hostname": {args: []string{"CONTAINER", "NAME"}, describe: func(a []string) string { return a[0] + "'s hostname is " + a[1] }},
	"shares": {args: []string{"CONTAINER", "pid|net|ipc", "OTHER"},
		validate: func(a []string) error {
			if !slices.Contains([]string{"pid", "net", "ipc"}, a[1]) {
				return fmt.Errorf("namespace %q: want pid, net or ipc", a[1])
			}
			return nil
		},
		describe: func(a []string) string { return a[0] + " shares " + a[2] + "'s " + a[1] + " namespace" }},
	"on-network": {args: []string{"CONTAINER", "NETWORK"}, describe: func(a []string) string { return a[0] + " is on network " + a[1] }},
	"exec": {args: []string{"CONTAINER", "[COMMAND]"},
		describe: func(a []string) string {
			if len(a) > 1 {
				return "`" + strings.Join(a[1:], " ") + "` ran in " + a[0] + " (exec)"
			}
			return "a command ran in " + a[0] + " (exec)"
		}},
	"changed": {args: []string{"CONTAINER", "PATH"},
		validate: func(a []string) error {
			if !strings.HasPrefix(a[1], "/") {
				return fmt.Errorf("path %q: want an absolute path", a[1])
			}
			return nil
		},
		describe: func(a []string) string { return a[0] + "'s writable layer has " + a[1] + " (berth diff " + a[0] + ")" }},
	"restarts": {args: []string{"CONTAINER", "N"}, validate: func(a []string) error { _, _, err := parseBound(a[1], false); return err },
		describe: func(a []string) string {
			return a[0] + " was restarted " + boundText(a[1]) + " times by its restart policy"
		}},
	"health": {args: []string{"CONTAINER", "STATUS"},
		validate: func(a []string) error {
			if !slices.Contains(healthStatuses, a[1]) {
				return fmt.Errorf("health %q: want one of %s", a[1], strings.Join(healthStatuses, ", "))
			}
			return nil
		},
		describe: func(a []string) string { return a[0] + "'s health check says " + a[1] }},
	"read-only": {args: []string{"CONTAINER"}, describe: func(a []string) string { return a[0] + "'s root filesystem is read-only" }},
	"env": {args: []string{"CONTAINER", "KEY=VALUE"},
		validate: func(a []string) error {
			if k, _, ok := strings.Cut(a[1], "="); !ok || k == "" {
				return fmt.Errorf("%q: want KEY=VALUE", a[1])
			}
			return nil
		},
		describe: func(a []string) string { return a[0] + "'s environment has " + a[1] }},
	"mount": {args: []string{"CONTAINER", "PATH", "[TYPE]"},
		validate: func(a []string) error {
			if !strings.HasPrefix(a[1], "/") {
				return fmt.Errorf("path %q: want an absolute path", a[1])
			}
			if len(a) > 2 && !slices.Contains(mountTypes, a[2]) {
				return fmt.Errorf("mount type %q: want one of %s", a[2], strings.Join(mountTypes, ", "))
			}
			return nil
		},
		describe: func(a []string) string {
			if len(a) > 2 {
				return a[0] + " has a " + a[2] + " mount at " + a[1]
			}
			return a[0] + " has a mount at " + a[1]
		}},
	"image":   {args: []string{"IMAGE"}, describe: func(a []string) string { return "image " + a[0] + " exists" }},
	"layers":  {args: []string{"IMAGE", "N"}, validate: minInt(1), describe: func(a []string) string { return a[0] + " has " + a[1] + " layers or more" }},
	"volume":  {args: []string{"NAME"}, describe: func(a []string) string { return "volume " + a[0] + " exists" }},
	"network": {args: []string{"NAME"}, describe: func(a []string) string { return "network " + a[0] + " exists" }},
	"opened": {args: []string{"VIEW", "TARGET"},
		validate: func(a []string) error {
			if !slices.Contains(Views, a[0]) {
				return fmt.Errorf("view %q: want one of %s", a[0], strings.Join(Views, ", "))
			}
			return nil
		},
		describe: func(a []string) string { return "you opened the " + viewTitle(a[0]) + " of " + a[1] }},
}

// healthStatuses are what a "health" check can expect (docker's words).
var healthStatuses = []string{"starting", "healthy", "unhealthy"}

// mountTypes are the mount types a "mount" check can name.
var mountTypes = []string{"bind", "volume", "tmpfs"}

// Views are the workbench views an "opened" check names: a container's
// detail tabs, and an image's Layers view.
var Views = []string{"logs", "inspect", "diff", "processes", "namespaces", "stats", "crash", "layers"}

func viewTitle(v string) string {
	if v == "layers" {
		return "Layers view"
	}
	return strings.ToUpper(v[:1]) + v[1:] + " tab"
}

// Kinds are the check kinds' names, sorted, for errors and docs.
func Kinds() []string {
	var out []string
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// parseCheck reads a check line's words (after "check:"). Arguments are
// separated by spaces; the last argument of exec takes the rest.
func parseCheck(line string) (Check, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Check{}, fmt.Errorf("check: is empty")
	}
	k, ok := kinds[f[0]]
	if !ok {
		return Check{}, fmt.Errorf("check %q: unknown kind %s (kinds: %s)", line, f[0], strings.Join(Kinds(), ", "))
	}
	c := Check{Kind: f[0], Args: f[1:]}
	need, most := 0, len(k.args)
	for _, a := range k.args {
		if !strings.HasPrefix(a, "[") {
			need++
		}
	}
	if c.Kind == "exec" {
		most = len(c.Args) // the command is the rest of the line
	}
	if len(c.Args) < need || len(c.Args) > most {
		return Check{}, fmt.Errorf("check %q: want %s %s", line, c.Kind, strings.Join(k.args, " "))
	}
	if k.validate != nil {
		if err := k.validate(c.Args); err != nil {
			return Check{}, fmt.Errorf("check %q: %v", line, err)
		}
	}
	return c, nil
}

// Describe is the check as the learner reads it: "web is running".
func (c Check) Describe() string { return kinds[c.Kind].describe(c.Args) }

// UI reports whether the check is about the workbench rather than the
// engine's state.
func (c Check) UI() bool { return c.Kind == "opened" }

func optionalInt(i int) func([]string) error {
	return func(a []string) error {
		if len(a) <= i {
			return nil
		}
		if _, err := strconv.Atoi(a[i]); err != nil {
			return fmt.Errorf("%q is not a number", a[i])
		}
		return nil
	}
}

func minInt(i int) func([]string) error {
	return func(a []string) error {
		if n, err := strconv.Atoi(a[i]); err != nil || n < 1 {
			return fmt.Errorf("%q is not a number above 0", a[i])
		}
		return nil
	}
}

// parseBound reads "32m", ">=32m" or "<=64m" (sizes when size, else
// counts): the operator ("=", ">=" or "<=") and the number.
func parseBound(s string, size bool) (string, int64, error) {
	op := "="
	for _, p := range []string{">=", "<="} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			op, s = p, rest
		}
	}
	if size {
		n, err := units.RAMInBytes(s)
		if err != nil || n <= 0 {
			return "", 0, fmt.Errorf("%q is not a size such as 32m", s)
		}
		return op, n, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return "", 0, fmt.Errorf("%q is not a number above 0", s)
	}
	return op, n, nil
}

func boundText(s string) string {
	switch {
	case strings.HasPrefix(s, ">="):
		return "at least " + s[2:]
	case strings.HasPrefix(s, "<="):
		return "at most " + s[2:]
	}
	return s
}

// within reports whether n meets the bound s (already validated).
func within(n int64, s string, size bool) bool {
	op, b, _ := parseBound(s, size)
	switch op {
	case ">=":
		return n >= b
	case "<=":
		return n > 0 && n <= b
	}
	return n == b
}
