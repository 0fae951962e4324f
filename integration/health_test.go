package integration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type healthState struct {
	Status        string
	FailingStreak int
	Log           []struct {
		ExitCode int
		Output   string
	}
}

func health(t *testing.T, ref string) healthState {
	t.Helper()
	var h healthState
	out := inspectField(t, ref, "{{json .State.Health}}")
	if out == "null" {
		return h
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("State.Health of %s: %q: %v", ref, out, err)
	}
	return h
}

// TestHealthChecks: the shim runs a container's health check as docker
// does: healthy once it passes, unhealthy after retries failures in a
// row, failures in the start period not counted, a check past its timeout
// a failure; ps shows it in STATUS and filters on it; inspect has the log.
func TestHealthChecks(t *testing.T) {
	t.Parallel()
	fast := []string{"--health-interval", "100ms", "--health-start-interval", "100ms"}
	run := func(suffix string, args ...string) string {
		n := name(t, suffix)
		cleanup(t, n)
		ok(t, append(append([]string{"run", "-d", "--name", n}, args...), "busybox", "sleep", "300")...)
		return n
	}
	good := run("good", append(fast, "--health-cmd", "echo fine")...)
	bad := run("bad", append(fast, "--health-cmd", "echo broken; exit 1", "--health-retries", "2")...)
	starting := run("starting", append(fast, "--health-cmd", "exit 1", "--health-start-period", "1h")...)
	slow := run("slow", append(fast, "--health-cmd", "sleep 30", "--health-timeout", "200ms", "--health-retries", "1")...)
	none := run("none")

	eventually(t, 30*time.Second, good+" becomes healthy", func() bool { return health(t, good).Status == "healthy" })
	if h := health(t, good); h.FailingStreak != 0 || len(h.Log) == 0 || h.Log[0].ExitCode != 0 || h.Log[0].Output != "fine\n" {
		t.Errorf("health of %s: %+v", good, h)
	}
	if st := inspectField(t, good, "{{.State.Status}}"); st != "running" {
		t.Errorf("%s is %s", good, st)
	}
	eventually(t, 30*time.Second, bad+" becomes unhealthy", func() bool { return health(t, bad).Status == "unhealthy" })
	if h := health(t, bad); h.FailingStreak < 2 || h.Log[len(h.Log)-1].Output != "broken\n" || h.Log[len(h.Log)-1].ExitCode != 1 {
		t.Errorf("health of %s: %+v", bad, h)
	}
	eventually(t, 30*time.Second, slow+" fails on its timeout", func() bool { return health(t, slow).Status == "unhealthy" })
	if h := health(t, slow); !strings.Contains(h.Log[0].Output, "Health check exceeded timeout (200ms)") || h.Log[0].ExitCode != -1 {
		t.Errorf("health of %s: %+v", slow, h)
	}
	// In the start period failures are logged but not counted.
	eventually(t, 30*time.Second, starting+" has run its check 3 times", func() bool { return len(health(t, starting).Log) >= 3 })
	if h := health(t, starting); h.Status != "starting" || h.FailingStreak != 0 {
		t.Errorf("a failing check in the start period: %+v", h)
	}
	if h := inspectField(t, none, "{{json .State.Health}}"); h != "null" {
		t.Errorf("a container without a check has State.Health %s", h)
	}

	status := func(n string) string { return ok(t, "ps", "--filter", "name="+n, "--format", "{{.Status}}") }
	for n, want := range map[string]string{good: " (healthy)", bad: " (unhealthy)", starting: " (health: starting)"} {
		if s := status(n); !strings.HasSuffix(s, want) {
			t.Errorf("STATUS of %s: %q, want the suffix %q", n, s, want)
		}
	}
	if s := status(none); strings.Contains(s, "health") {
		t.Errorf("STATUS of %s: %q", none, s)
	}
	filter := func(v string) string {
		return ok(t, "ps", "--filter", "health="+v, "--filter", "name="+name(t, ""), "--format", "{{.Names}}")
	}
	if got := filter("unhealthy"); !strings.Contains(got, bad) || !strings.Contains(got, slow) || strings.Contains(got, good) {
		t.Errorf("ps --filter health=unhealthy: %q", got)
	}
	if got := filter("none"); got != none {
		t.Errorf("ps --filter health=none: %q", got)
	}
	if events := ok(t, "events", "--since", "5m", "--until", "0s", "--filter", "container="+bad); !strings.Contains(events, "health_status: unhealthy") {
		t.Errorf("no health_status event for %s:\n%s", bad, events)
	}
	fails(t, 1, []string{"health=sick"}, "ps", "--filter", "health=sick")
}

// TestHealthFromImage: a Dockerfile's HEALTHCHECK runs in the container,
// --health-* override its fields, --no-healthcheck turns it off; bad
// values are one line before anything is created.
func TestHealthFromImage(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	ctx := t.TempDir()
	writeFile(t, ctx+"/Dockerfile", "FROM busybox\nHEALTHCHECK --interval=100ms --retries=1 CMD test -e /ready\n")
	if r := at(t, store, "", "", "build", "-q", "-t", "hc", ctx); r.code != 0 {
		t.Fatalf("build: %v", r)
	}
	id := okAt(t, store, "run", "-d", "hc", "sleep", "300")
	if got := okAt(t, store, "inspect", "-f", "{{json .Config.Healthcheck.Test}}", id); got != `["CMD-SHELL","test -e /ready"]` {
		t.Errorf("Config.Healthcheck.Test = %s", got)
	}
	st := func(id string) string {
		return okAt(t, store, "inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", id)
	}
	eventually(t, 30*time.Second, "the image's check fails", func() bool { return st(id) == "unhealthy" })
	okAt(t, store, "exec", id, "touch", "/ready")
	eventually(t, 30*time.Second, "the image's check passes", func() bool { return st(id) == "healthy" })

	// --health-cmd replaces the test and keeps the image's interval.
	over := okAt(t, store, "run", "-d", "--health-cmd", "true", "hc", "sleep", "300")
	eventually(t, 30*time.Second, "the overridden check passes", func() bool { return st(over) == "healthy" })
	off := okAt(t, store, "run", "-d", "--no-healthcheck", "hc", "sleep", "300")
	if got := okAt(t, store, "inspect", "-f", "{{json .Config.Healthcheck.Test}} {{json .State.Health}}", off); got != `["NONE"] null` {
		t.Errorf("--no-healthcheck: %s", got)
	}
	for _, bad := range [][]string{
		{"--health-retries", "-1"},
		{"--no-healthcheck", "--health-cmd", "true"},
		{"--health-interval", "-1s"},
	} {
		r := at(t, store, "", "", append(append([]string{"create"}, bad...), "hc")...)
		if r.code != 125 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("create %v: %v", bad, r)
		}
	}
	if n := len(strings.Fields(okAt(t, store, "ps", "-aq"))); n != 3 {
		t.Errorf("bad health options left containers behind: %d, want 3", n)
	}
	okAt(t, store, "rm", "-f", id, over, off)
}
