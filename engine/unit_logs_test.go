package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
)

// writeLog writes n log lines through the container's log writer (the
// shim's), with the given --log-opt rotation, one second apart from t0.
func writeLog(t *testing.T, e *Engine, id string, n int, t0 time.Time) {
	t.Helper()
	r, err := e.loadRecord(id)
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.openContainerLog(r)
	if err != nil {
		t.Fatalf("openContainerLog = %v", err)
	}
	for i := 0; i < n; i++ {
		line, _ := json.Marshal(LogEntry{Stream: "stdout", Time: t0.Add(time.Duration(i) * time.Second), Log: fmt.Sprintf("line %03d\n", i)})
		if _, err := w.Write(append(line, '\n')); err != nil {
			t.Fatalf("log write %d = %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func logLines(t *testing.T, e *Engine, ref string, o LogOptions) []string {
	t.Helper()
	var out []string
	if err := e.Logs(context.Background(), ref, o, func(le LogEntry) error {
		out = append(out, strings.TrimSpace(le.Log))
		return nil
	}); err != nil {
		t.Fatalf("Logs(%s, %+v) = %v", ref, o, err)
	}
	return out
}

// TestUnitLogs: logs reads every line in order across rotated (and
// compressed) files, --tail counts from the end across files, --since and
// --until cut by time, -f on a stopped container ends at the end; the
// none driver has nothing to read.
func TestUnitLogs(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		opts map[string]string
		kept int // lines the rotation keeps of 100
	}{
		{"plain", nil, 100},
		{"rotated", map[string]string{"max-size": "2k", "max-file": "3"}, 0},
		{"compressed", map[string]string{"max-size": "2k", "max-file": "3", "compress": "true"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := noNet(c.name)
			o.Host.LogConfig = LogConfig{Type: "json-file", Config: c.opts}
			id := mustCreate(t, e, o)
			setState(t, e, id, running)
			setState(t, e, id, exited(0))
			writeLog(t, e, id, 100, t0)
			all := logLines(t, e, c.name, LogOptions{Tail: -1})
			if c.kept > 0 && len(all) != c.kept {
				t.Fatalf("Logs = %d lines, want %d", len(all), c.kept)
			}
			if len(all) == 0 || all[len(all)-1] != "line 099" {
				t.Fatalf("Logs ends %v, want line 099 last", all)
			}
			for i := 1; i < len(all); i++ {
				if all[i] <= all[i-1] {
					t.Fatalf("Logs out of order: %q after %q", all[i], all[i-1])
				}
			}
			if c.opts != nil && len(all) >= 100 {
				t.Errorf("rotation with max-file 3 kept all %d lines", len(all))
			}
			if c.opts != nil {
				matches, _ := filepath.Glob(filepath.Join(e.containerDir(id), "log.jsonl.*"))
				if len(matches) != 2 {
					t.Errorf("rotated files = %v, want 2 (max-file 3, the current one included)", matches)
				}
			}
			tail := logLines(t, e, c.name, LogOptions{Tail: 30})
			if len(tail) != 30 || tail[0] != "line 070" || tail[29] != "line 099" {
				t.Errorf("--tail 30 = %d lines %v..%v", len(tail), first(tail), last(tail))
			}
			cut := logLines(t, e, c.name, LogOptions{Tail: -1, Since: t0.Add(90 * time.Second), Until: t0.Add(95 * time.Second)})
			if len(cut) != 6 || cut[0] != "line 090" || cut[5] != "line 095" {
				t.Errorf("--since 90s --until 95s = %v", cut)
			}
			if f := logLines(t, e, c.name, LogOptions{Tail: 1, Follow: true}); len(f) != 1 {
				t.Errorf("-f --tail 1 of a stopped container = %v", f)
			}
		})
	}
	o := noNet("quiet")
	o.Host.LogConfig = LogConfig{Type: "none"}
	mustCreate(t, e, o)
	err := e.Logs(context.Background(), "quiet", LogOptions{Tail: -1}, func(LogEntry) error { return nil })
	if !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("Logs of a none-driver container = %v, want ErrFailedPrecondition", err)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func last(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// TestUnitWaitStopExited: wait on an exited container returns its code at
// once; stop of a stopped one is a no-op; wait on a removed one is
// ErrNotFound.
func TestUnitWaitStopExited(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("done"))
	setState(t, e, id, running)
	setState(t, e, id, exited(42))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if code, err := e.Wait(ctx, "done"); err != nil || code != 42 {
		t.Errorf("Wait(exited 42) = %d, %v", code, err)
	}
	if err := e.Stop(ctx, "done", time.Second); err != nil {
		t.Errorf("Stop(exited) = %v, want nil", err)
	}
	if _, err := e.Wait(ctx, "ghost"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Wait(ghost) = %v", err)
	}
	r, _ := e.resolve("done")
	if err := e.Remove(ctx, "done", false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.wait(ctx, r); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("wait(removed) = %v, want ErrNotFound", err)
	}
}

// TestUnitCrashReport: the report of an exited container has its exit,
// what it means, its last log lines and a summary of its file changes.
func TestUnitCrashReport(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("crash"))
	setState(t, e, id, running)
	setState(t, e, id, exited(137))
	writeLog(t, e, id, 5, time.Now().Add(-time.Minute))
	upper := filepath.Join(e.containerDir(id), "upper")
	os.MkdirAll(filepath.Join(upper, "new"), 0o755)
	os.WriteFile(filepath.Join(upper, "new", "file"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(upper, "data"), 0o755)
	if err := os.WriteFile(filepath.Join(upper, "data", "seed"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := e.CrashReport(context.Background(), "crash", 3)
	if err != nil {
		t.Fatalf("CrashReport = %v", err)
	}
	if rep.ExitCode != 137 || rep.Signal == "" || len(rep.LastLogs) != 3 || rep.LastLogs[2].Text != "line 004" {
		t.Errorf("CrashReport = exit %d signal %q logs %+v", rep.ExitCode, rep.Signal, rep.LastLogs)
	}
	if rep.Changes.Added < 2 {
		t.Errorf("CrashReport changes = %+v, want /new and /new/file added", rep.Changes)
	}
	changes, err := e.ContainerChanges("crash")
	if err != nil || len(changes) < 3 {
		t.Errorf("ContainerChanges = %+v, %v", changes, err)
	}
}

// TestUnitCheck: check reports what belongs to nothing (a name whose
// container is gone, leftovers of an interrupted create or remove) and,
// with repair, removes it; a healthy store reports nothing.
func TestUnitCheck(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	mustCreate(t, e, noNet("fine"))
	if lines, err := e.Check(false); err != nil || len(lines) != 0 {
		t.Fatalf("Check of a healthy store = %q, %v", lines, err)
	}
	if err := e.indexName("orphan", strings.Repeat("7", 64)); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(e.containersDir(), ".tmp-"+strings.Repeat("8", 64))
	os.MkdirAll(tmp, 0o700)
	lines, err := e.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, `name "orphan"`) || !strings.Contains(joined, "interrupted create, rename or remove") {
		t.Errorf("Check = %q, want the orphan name and the leftover", lines)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("Check without repair removed %s", tmp)
	}
	if _, err := e.Check(true); err != nil {
		t.Fatal(err)
	}
	if lines, err := e.Check(false); err != nil || len(lines) != 0 {
		t.Errorf("Check after repair = %q, %v", lines, err)
	}
	if _, err := e.resolve("fine"); err != nil {
		t.Errorf("repair touched a healthy container: %v", err)
	}
}

// TestUnitLayerViews: the layer browser's views of an image.
func TestUnitLayerViews(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	if a, err := e.ImageLayers("unit:1", AnalyzeOptions{}); err != nil || a == nil {
		t.Errorf("ImageLayers = %v, %v", a, err)
	}
	tree, err := e.LayerTree("unit:1", 0, true)
	if err != nil || len(tree) == 0 {
		t.Errorf("LayerTree = %d entries, %v", len(tree), err)
	}
	if ch, err := e.LayerChanges("unit:1", 0, 0, false); err != nil || len(ch) == 0 {
		t.Errorf("LayerChanges = %d, %v", len(ch), err)
	}
	var buf bytes.Buffer
	if err := e.LayerCat("unit:1", 0, "/etc/group", &buf); err != nil || !strings.Contains(buf.String(), "staff") {
		t.Errorf("LayerCat = %q, %v", buf.String(), err)
	}
	if h, err := e.PathHistory("unit:1", "/data/seed"); err != nil || len(h) == 0 {
		t.Errorf("PathHistory = %v, %v", h, err)
	}
	dest := t.TempDir()
	if err := e.LayerExtract("unit:1", 0, "/etc/passwd", dest); err != nil {
		t.Errorf("LayerExtract = %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := e.ImageLayers("ghost", AnalyzeOptions{}); return err },
		func() error { _, err := e.LayerTree("ghost", 0, false); return err },
		func() error { _, err := e.PathHistory("ghost", "/"); return err },
		func() error { _, err := e.LayerDiff("ghost", "/", 0, 0); return err },
		func() error { return e.LayerCat("ghost", 0, "/", &buf) },
	} {
		if err := f(); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("view of a missing image = %v, want ErrNotFound", err)
		}
	}
}
