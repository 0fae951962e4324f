package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/testutil"
)

// writeEvents writes image events named name-0, name-1, ... at the given
// times, the first padded with a label to make the file size bytes long
// (when size is more than they take).
func writeEvents(t *testing.T, path, name string, times []time.Time, size int) {
	t.Helper()
	lines := func(pad string) string {
		var b strings.Builder
		for i, at := range times {
			a := map[string]string{"name": "x"}
			if i == 0 {
				a["pad"] = pad
			}
			ev := engine.Event{Type: "image", Action: "tag", Time: at.Unix(), TimeNano: at.UnixNano(),
				Actor: engine.EventActor{ID: fmt.Sprintf("%s-%d", name, i), Attributes: a}}
			line, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
		return b.String()
	}
	text := lines("")
	if size > len(text) {
		text = lines(strings.Repeat("x", size-len(text)))
	}
	writeFile(t, path, text)
}

// berth events --since/--until reads the rotated file and the current one
// as one history.
func TestEventsAcrossRotatedFile(t *testing.T) {
	root := tempStore(t)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(s int) time.Time { return base.Add(time.Duration(s) * time.Second) }
	if err := os.MkdirAll(root, 0o711); err != nil {
		t.Fatal(err)
	}
	writeEvents(t, filepath.Join(root, "events.jsonl.1"), "old", []time.Time{at(0), at(1), at(2)}, 0)
	writeEvents(t, filepath.Join(root, "events.jsonl"), "new", []time.Time{at(3), at(4)}, 0)
	out := ok(t, "--root", root, "events", "--since", at(1).Format(time.RFC3339Nano), "--until", at(3).Format(time.RFC3339Nano), "--format", "{{.Actor.ID}}")
	if want := "old-1\nold-2\nnew-0"; out != want {
		t.Errorf("events --since --until = %q, want %q", out, want)
	}
	// Without --format, as docker's: the time with nine fraction digits.
	plain := ok(t, "--root", root, "events", "--since", at(3).Format(time.RFC3339Nano), "--until", at(3).Format(time.RFC3339Nano))
	if want := at(3).UTC().Format("2006-01-02T15:04:05") + ".000000000Z "; !strings.HasPrefix(plain, want) {
		t.Errorf("events line = %q, want it to start %q", plain, want)
	}
}

// A follower of a store whose events.jsonl is about to rotate sees a
// container's events in order, across the rotation, and nothing older.
func TestEventsFollowAcrossRotation(t *testing.T) {
	testutil.RequiresRoot(t)
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	old := time.Now().Add(-time.Hour)
	writeEvents(t, filepath.Join(root, "events.jsonl"), "old", []time.Time{old, old.Add(time.Second)}, 8<<20-100) // the first event rotates it
	since := time.Now().Format(time.RFC3339Nano)
	follower := exec.Command(berthBin, "--root", root, "events", "--since", since, "--format", "{{.Type}} {{.Action}} {{.Actor.ID}}")
	stdout, err := follower.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := follower.Start(); err != nil {
		t.Fatal(err)
	}
	defer follower.Wait()
	defer follower.Process.Kill()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	ok(t, "--root", root, "run", "--name", "r", "busybox", "true")
	var got []string
	deadline := time.After(30 * time.Second)
	for len(got) < 3 || !strings.HasPrefix(got[len(got)-1], "container die") {
		select {
		case l, open := <-lines:
			if !open {
				t.Fatalf("berth events ended after %q", got)
			}
			got = append(got, l)
		case <-deadline:
			t.Fatalf("berth events printed %q, no die", got)
		}
	}
	var actions []string
	for _, l := range got {
		f := strings.Fields(l)
		if f[0] != "container" {
			t.Errorf("event %q: history or another object", l)
		}
		actions = append(actions, f[1])
	}
	if want := "create start die"; strings.Join(actions, " ") != want {
		t.Errorf("berth events -f printed %q, want actions %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(root, "events.jsonl.1")); err != nil {
		t.Errorf("events.jsonl was not rotated: %v", err)
	}
}
