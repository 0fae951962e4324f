package layers

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// later moves the package's clock d ahead for the rest of the test, so
// that everything looks unchanged for d.
func later(t *testing.T, d time.Duration) {
	t.Helper()
	saved := clock
	clock = func() time.Time { return saved().Add(d) }
	t.Cleanup(func() { clock = saved })
}

// TestLeftoverIsWhatNobodyHolds: a temporary entry is swept when its
// writer is gone (no flock) and it is older than the create-to-lock
// grace, and kept while a writer holds it, however old it is.
func TestLeftoverIsWhatNobodyHolds(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(s.ingest, "load-dead")
	live := filepath.Join(s.ingest, "load-live")
	deadSnap := filepath.Join(s.snapshots, ".tmp-dead")
	for _, d := range []string{dead, live, deadSnap} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	hold, err := holdDir(live)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if leftover(s.ingest, "load-dead") {
		t.Errorf("an entry younger than the grace is a leftover: its writer may not have locked it yet")
	}
	later(t, 2*tmpGrace)
	// Check sweeps them too (Open may run while a killed writer is still
	// dying) and reports none of them.
	if ps := s.Check(nil); len(ps) != 0 {
		t.Errorf("check reports %v", ps)
	}
	for p, want := range map[string]bool{dead: false, deadSnap: false, live: true} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v after Check, want %v", p, err == nil, want)
		}
	}
	if err := os.MkdirAll(dead, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(root); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{dead: false, live: true} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v after Open, want %v", p, err == nil, want)
		}
	}
	// Once its writer lets go, the old entry is a leftover too.
	hold.Close()
	if !leftover(s.ingest, "load-live") {
		t.Errorf("an old entry nobody holds is not a leftover")
	}
}

// TestPullStagingKeptForReuse: a dead pull's staging is not a leftover
// within the hour it is kept for the next pull, and is after it; a live
// pull's never is.
func TestPullStagingKeptForReuse(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(s.ingest, "pull-abc")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	later(t, 2*tmpGrace)
	if leftover(s.ingest, "pull-abc") {
		t.Errorf("a dead pull's staging of two minutes is a leftover; it is kept for an hour")
	}
	later(t, 2*pullKeep)
	if !leftover(s.ingest, "pull-abc") {
		t.Errorf("a dead pull's staging of two hours is not a leftover")
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := holdEntry(f); err != nil {
		t.Fatal(err)
	}
	if leftover(s.ingest, "pull-abc") {
		t.Errorf("a live pull's staging is a leftover")
	}
}

// TestWritersHoldTheirEntries: the store's own writers lock what they
// create, so a concurrent Open never sweeps a slow live write.
func TestWritersHoldTheirEntries(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		a, err := s.Spool(r)
		if a != nil {
			a.Close()
		}
		done <- err
	}()
	var spool string
	deadline := time.Now().Add(10 * time.Second)
	for spool == "" && time.Now().Before(deadline) {
		ents, _ := os.ReadDir(s.ingest)
		for _, e := range ents {
			spool = e.Name()
		}
		time.Sleep(5 * time.Millisecond)
	}
	if spool == "" {
		t.Fatal("no spool directory appeared")
	}
	later(t, 2*tmpGrace)
	if !held(filepath.Join(s.ingest, spool)) || leftover(s.ingest, spool) {
		t.Errorf("a live load's spool %s is not held", spool)
	}
	w.Close()
	<-done
	r.Close()
}
