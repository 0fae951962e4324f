package atomicfile

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestBeside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	for _, content := range []string{"first", "second"} { // new, then replacing
		b, err := CreateBeside(path, 0o640)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(content)
		if entries, _ := os.ReadDir(dir); len(entries) > 1 || (content == "first" && len(entries) != 0) {
			t.Fatalf("before Commit the directory holds %v", entries)
		}
		if err := b.Commit(); err != nil {
			t.Fatalf("Commit() = %v", err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("after Commit: %q, want %q", got, content)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	b, err := CreateBeside(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("never")
	b.Abort()
	if got, _ := os.ReadFile(path); string(got) != "second" {
		t.Errorf("after Abort: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after Abort the directory holds %v", entries)
	}
}

// TestSweepBeside: a fallback temporary file of a process that is gone is
// removed; one of a live process (this one) is not.
func TestSweepBeside(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, tempPrefix+"2147483646-x")
	live := filepath.Join(dir, tempPrefix+itoa(os.Getpid())+"-y")
	for _, p := range []string{dead, live} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	SweepBeside(dir)
	if _, err := os.Stat(dead); err == nil {
		t.Error("a dead process's temporary file survived")
	}
	if _, err := os.Stat(live); err != nil {
		t.Error("a live process's temporary file was removed")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A Commit that cannot replace what is at path (a directory with entries)
// fails, leaves it as it was and leaves no temporary file beside it.
func TestBesideCommitOverADirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(path, "kept"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := CreateBeside(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("data")
	if err := b.Commit(); err == nil {
		t.Fatal("Commit over a directory with entries succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "out" || !entries[0].IsDir() {
		t.Fatalf("after a failed Commit the directory holds %v, want only the directory out", entries)
	}
	if _, err := os.Stat(filepath.Join(path, "kept")); err != nil {
		t.Fatalf("the directory's entry: %v", err)
	}
}
