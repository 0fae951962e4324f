package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/lockfile"
)

func newDir(t *testing.T, s Status) string {
	t.Helper()
	dir := t.TempDir()
	if err := atomicfile.WriteJSON(filepath.Join(dir, StateFile), &State{Status: s}, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUpdateStateRefusesIllegalTransition(t *testing.T) {
	dir := newDir(t, Exited)
	before, _ := os.ReadFile(filepath.Join(dir, StateFile))
	_, err := UpdateState(dir, time.Second, func(st *State) error {
		st.Status, st.ExitCode = Paused, 3
		return nil
	})
	var te *TransitionError
	if !errors.As(err, &te) || te.From != Exited || te.To != Paused {
		t.Fatalf("UpdateState(exited -> paused) = %v, want a TransitionError", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, StateFile))
	if !bytes.Equal(before, after) {
		t.Errorf("a refused transition changed state.json:\n%s\n->\n%s", before, after)
	}
	st, err := UpdateState(dir, time.Second, func(st *State) error { return st.Transition(Running) })
	if err != nil || st.Status != Running {
		t.Fatalf("UpdateState(exited -> running) = %v, %v", st, err)
	}
}

func TestUpdateStateChangeErrorWritesNothing(t *testing.T) {
	dir := newDir(t, Created)
	before, _ := os.ReadFile(filepath.Join(dir, StateFile))
	boom := errors.New("boom")
	if _, err := UpdateState(dir, time.Second, func(st *State) error { st.Pid = 9; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateState = %v, want boom", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, StateFile))
	if !bytes.Equal(before, after) {
		t.Errorf("a failed change was written: %s", after)
	}
}

func TestUpdateStateWaitsForLock(t *testing.T) {
	dir := newDir(t, Created)
	l, err := lockfile.Acquire(filepath.Join(dir, LockFile), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateState(dir, 0, func(st *State) error { return nil }); err == nil {
		t.Fatal("UpdateState took a lock somebody holds")
	}
	l.Unlock()
	if _, err := UpdateState(dir, time.Second, func(st *State) error { return nil }); err != nil {
		t.Fatalf("UpdateState after unlock: %v", err)
	}
}

func TestReadStateRefusesUnknownStatus(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, StateFile), []byte(`{"status":"zombie"}`), 0o600)
	if _, err := ReadState(dir); err == nil {
		t.Fatal("ReadState accepted status zombie")
	}
	if _, err := UpdateState(dir, time.Second, func(st *State) error { st.Status = Exited; return nil }); err == nil {
		t.Fatal("UpdateState changed a state with status zombie")
	}
}

// TestSchemaVersion2 reads the golden files of schema version 2 (written
// by berth before the schema types were split from the API) and writes
// them back: the bytes must not change.
func TestSchemaVersion2(t *testing.T) {
	for _, c := range []struct {
		file string
		v    any
	}{
		{"record-v2.json", &Record{}},
		{"record-zero-v2.json", &Record{}},
		{"state-v2.json", &State{}},
		{"state-zero-v2.json", &State{}},
	} {
		want, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, c.v); err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got, _ := json.MarshalIndent(c.v, "", "  ")
		if got = append(got, '\n'); !bytes.Equal(got, want) {
			t.Errorf("%s: written back as\n%s\nwant\n%s", c.file, got, want)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := &Record{ID: "x", Name: "web", Host: HostConfig{AutoRemove: true, Mounts: []Mount{{Type: "tmpfs", Target: "/t", TmpfsOptions: &TmpfsOptions{SizeBytes: 1}}}}}
	if err := WriteRecord(dir, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(dir)
	if err != nil || got.Name != "web" || !got.Host.AutoRemove || got.Host.Mounts[0].TmpfsOptions.SizeBytes != 1 {
		t.Fatalf("ReadRecord = %+v, %v", got, err)
	}
}

// A new container's directory holds its record and a Created state, and
// WriteNew never writes over a directory that has them already.
func TestWriteNewLaysOutRecordAndState(t *testing.T) {
	dir := t.TempDir()
	if err := WriteNew(dir, &Record{ID: "x", Name: "web"}); err != nil {
		t.Fatal(err)
	}
	r, err := ReadRecord(dir)
	if err != nil || r.ID != "x" || r.Name != "web" {
		t.Fatalf("ReadRecord = %+v, %v", r, err)
	}
	st, err := ReadState(dir)
	if err != nil || st.Status != Created {
		t.Fatalf("ReadState = %+v, %v", st, err)
	}
	if err := WriteNew(dir, &Record{ID: "y"}); err == nil {
		t.Fatal("WriteNew over an existing container succeeded")
	}
	if r, _ := ReadRecord(dir); r.ID != "x" {
		t.Errorf("record now %q, want x", r.ID)
	}
}
