package integration

import (
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestPullProgress: on a terminal, pull redraws one line per layer in place
// with a bar; otherwise it prints one plain line each time a layer changes
// state; both end with the digest summary.
func TestPullProgress(t *testing.T) {
	sp := newSpoiler(t)
	ls := sp.push(t, "prog:v1", 512<<10, 2)
	sp.set(func() { sp.slow = ls[0].String() })
	ref := sp.host() + "/prog:v1"

	cmd := exec.Command(berthBin, "--root", tempStore(t), "pull", ref)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out syncBuffer
	go io.Copy(&out, ptmx)
	if err := waitTimeout(cmd, 30*time.Second); err != nil {
		t.Fatalf("pull on a terminal: %v\n%q", err, out.String())
	}
	eventually(t, 5*time.Second, "the summary on the terminal", func() bool { return strings.Contains(out.String(), "Digest: sha256:") })
	tty := out.String()
	id := ls[0].Hex[:12]
	if !regexp.MustCompile(id + `: Downloading \[=*> *\] [\d.]+kB/`).MatchString(tty) {
		t.Errorf("terminal output has no bar for layer %s: %q", id, tty)
	}
	if !strings.Contains(tty, "\x1b[2A") || !strings.Contains(tty, id+": Download complete") {
		t.Errorf("terminal output does not redraw the layer lines in place: %q", tty)
	}

	r := at(t, tempStore(t), "", "", "pull", ref)
	if r.code != 0 {
		t.Fatalf("pull without a terminal: %v", r)
	}
	if strings.Contains(r.stdout, "\x1b") || strings.Contains(r.stdout, "[=") {
		t.Errorf("plain output has escapes or bars: %q", r.stdout)
	}
	for _, h := range ls {
		id := h.Hex[:12]
		for _, state := range []string{"Waiting", "Downloading", "Download complete"} {
			if n := strings.Count(r.stdout, id+": "+state+"\n"); n != 1 {
				t.Errorf("plain output has %d lines %q, want 1: %q", n, id+": "+state, r.stdout)
			}
		}
	}
	if !strings.Contains(r.stdout, "Digest: sha256:") || !strings.Contains(r.stdout, "Status: Downloaded newer image for "+ref) {
		t.Errorf("plain output lacks the summary: %q", r.stdout)
	}
}
