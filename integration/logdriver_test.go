package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogRotation: --log-opt max-size/max-file rotate the log and keep
// max-file files; logs reads across them, oldest first, and --tail
// reaches into rotated files; the local driver compresses rotated files;
// none keeps nothing and logs says so.
func TestLogRotation(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	script := `i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done`
	id := okAt(t, store, "run", "-d", "--log-opt", "max-size=2k", "--log-opt", "max-file=3", "busybox", "sh", "-c", script)
	okAt(t, store, "wait", id)
	dir := filepath.Join(store, "containers", id)
	files, _ := filepath.Glob(filepath.Join(dir, "log.jsonl*"))
	if len(files) != 3 {
		t.Errorf("max-file=3 kept %v", files)
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Size() > 2048 {
			t.Errorf("%s: %v bytes (max-size=2k), %v", f, st.Size(), err)
		}
	}
	lines := strings.Split(okAt(t, store, "logs", id), "\n")
	if last := lines[len(lines)-1]; last != "line-299" {
		t.Errorf("the log ends with %q", last)
	}
	first := atoi(strings.TrimPrefix(lines[0], "line-"))
	for i, l := range lines {
		if l != fmt.Sprintf("line-%d", first+i) {
			t.Fatalf("logs across rotated files are not in order at %d: %q", i, l)
		}
	}
	if got := okAt(t, store, "logs", "--tail", fmt.Sprint(len(lines)), id); got != strings.Join(lines, "\n") {
		t.Errorf("--tail %d does not reach into the rotated files:\n%s", len(lines), got)
	}

	local := okAt(t, store, "run", "-d", "--log-driver", "local", "--log-opt", "max-size=1k", "busybox", "sh", "-c", script)
	okAt(t, store, "wait", local)
	gz, _ := filepath.Glob(filepath.Join(store, "containers", local, "log.jsonl.*.gz"))
	if len(gz) != 4 {
		t.Errorf("local driver: rotated files %v, want 4 compressed", gz)
	}
	if got := okAt(t, store, "logs", "--tail", "1", local); got != "line-299" {
		t.Errorf("local driver: last line %q", got)
	}

	if out := okAt(t, store, "run", "--rm", "--log-driver", "none", "busybox", "echo", "attached"); out != "attached" {
		t.Errorf("--log-driver none still attaches: %q", out)
	}
	none := okAt(t, store, "run", "-d", "--log-driver", "none", "busybox", "echo", "x")
	okAt(t, store, "wait", none)
	if r := at(t, store, "", "", "logs", none); r.code != 1 || !strings.Contains(r.stderr, "configured logging driver does not support reading") {
		t.Errorf("logs of a none container: %v", r)
	}
	for _, bad := range [][]string{{"--log-opt", "max-file=2"}, {"--log-driver", "syslog"}, {"--log-opt", "foo=bar"}, {"--log-opt", "max-size=0"}} {
		if r := at(t, store, "", "", append(append([]string{"create"}, bad...), "busybox")...); r.code != 125 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("create %v: %v", bad, r)
		}
	}
}
