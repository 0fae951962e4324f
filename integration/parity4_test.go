package integration

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestParity4PsFilterShowsRunningOnly: a --filter other than status
// narrows the running containers, as docker's; -a or a status filter
// brings the stopped ones back.
func TestParity4PsFilterShowsRunningOnly(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	stopped := okAt(t, store, "create", "--label", "app=x", "busybox", "true")
	running := okAt(t, store, "run", "-d", "--label", "app=x", "busybox", "sleep", "60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", running) })

	ids := func(args ...string) []string {
		out := strings.Fields(okAt(t, store, append([]string{"ps", "-q", "--no-trunc"}, args...)...))
		slices.Sort(out)
		return out
	}
	if got := ids("--filter", "label=app=x"); !slices.Equal(got, []string{running}) {
		t.Errorf("ps -q --filter label=app=x = %v, want only the running %s", got, running)
	}
	both := []string{stopped, running}
	slices.Sort(both)
	if got := ids("-a", "--filter", "label=app=x"); !slices.Equal(got, both) {
		t.Errorf("ps -aq --filter label=app=x = %v, want %v", got, both)
	}
	if got := ids("--filter", "status=created"); !slices.Equal(got, []string{stopped}) {
		t.Errorf("ps -q --filter status=created = %v, want %s", got, stopped)
	}
}

// TestParity4EventsTimeTemplate: {{.Time}} and {{.TimeNano}} are the
// event's Unix second and nanosecond, as docker's events.Message fields;
// {{json .}} keeps docker's lowercase "time".
func TestParity4EventsTimeTemplate(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	before := time.Now()
	id := okAt(t, store, "create", "busybox", "true")
	until := time.Now().Add(time.Second).Format(time.RFC3339Nano)
	out := okAt(t, store, "events", "--since", before.Add(-time.Second).Format(time.RFC3339Nano), "--until", until,
		"--filter", "container="+id, "--format", "{{.Time}} {{.TimeNano}} {{.Action}}")
	f := strings.Fields(out)
	if len(f) != 3 || f[2] != "create" {
		t.Fatalf("events --format: %q", out)
	}
	sec, err1 := strconv.ParseInt(f[0], 10, 64)
	nano, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || sec != nano/1e9 || sec < before.Unix()-1 {
		t.Errorf("events {{.Time}} {{.TimeNano}} = %q %q, want the Unix second and nanosecond of the event", f[0], f[1])
	}
	js := okAt(t, store, "events", "--since", before.Add(-time.Second).Format(time.RFC3339Nano), "--until", until,
		"--filter", "container="+id, "--format", "{{json .}}")
	if !strings.Contains(js, `"time":`+f[0]) || !strings.Contains(js, `"Action":"create"`) {
		t.Errorf("events --format '{{json .}}': %s", js)
	}
}
