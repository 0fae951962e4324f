package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// recordSyncs replaces fsync for the test with one that notes, for each
// call, what was synced ("file" or "dir") and what path held at that
// moment, optionally failing the syncs of one kind.
func recordSyncs(t *testing.T, path string, fail string) *[]string {
	t.Helper()
	var calls []string
	orig := fsync
	t.Cleanup(func() { fsync = orig })
	fsync = func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			t.Fatalf("fsync of %s: Stat = %v", f.Name(), err)
		}
		kind := "file"
		if fi.IsDir() {
			kind = "dir"
		}
		data, err := os.ReadFile(path)
		if err != nil {
			data = []byte("<absent>")
		}
		calls = append(calls, kind+" while "+string(data))
		if kind == fail {
			return errors.New("injected fsync failure")
		}
		return orig(f)
	}
	return &calls
}

func TestWriteSyncsFileBeforeRenameAndDirAfter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	calls := recordSyncs(t, path, "")
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatalf("WriteFile = %v", err)
	}
	// The data reaches the disk before the name points at it, and the
	// directory (the rename) after.
	want := []string{"file while old", "dir while new"}
	if !reflect.DeepEqual(*calls, want) {
		t.Fatalf("fsyncs = %q, want %q", *calls, want)
	}
}

func TestReplaceJSONSyncsFileOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	calls := recordSyncs(t, path, "")
	if err := ReplaceJSON(path, 7, 0o600); err != nil {
		t.Fatalf("ReplaceJSON = %v", err)
	}
	if want := []string{"file while <absent>"}; !reflect.DeepEqual(*calls, want) {
		t.Fatalf("fsyncs = %q, want %q", *calls, want)
	}
}

func TestCommitSyncsAndRenames(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "blob")
	f, err := os.CreateTemp(dir, "ingest-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("verified"); err != nil {
		t.Fatal(err)
	}
	calls := recordSyncs(t, path, "")
	renamed, err := Commit(f, path, 0o444)
	if err != nil || !renamed {
		t.Fatalf("Commit = %v, %v", renamed, err)
	}
	if want := []string{"file while <absent>", "dir while verified"}; !reflect.DeepEqual(*calls, want) {
		t.Fatalf("fsyncs = %q, want %q", *calls, want)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o444 {
		t.Fatalf("committed file: %v, %v; want mode 0444", fi, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d entries after Commit, want only the blob", len(entries))
	}
}

func TestFailedSyncIsReported(t *testing.T) {
	for _, tt := range []struct {
		fail        string
		wantContent string // what path holds after the failed write
		wantRenamed bool
	}{
		{"file", "old", false}, // never renamed: the old content stays
		{"dir", "new", true},   // renamed, but not known to be durable
	} {
		t.Run(tt.fail, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			recordSyncs(t, path, tt.fail)
			if err := WriteFile(path, []byte("new"), 0o600); err == nil {
				t.Fatalf("WriteFile with a failing %s fsync succeeded", tt.fail)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.wantContent {
				t.Fatalf("content = %q, want %q", data, tt.wantContent)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("temp files left: %v", entries)
			}
			f, err := os.CreateTemp(dir, "ingest-*")
			if err != nil {
				t.Fatal(err)
			}
			defer os.Remove(f.Name())
			defer f.Close()
			renamed, err := Commit(f, filepath.Join(dir, "blob"), 0o444)
			if err == nil || renamed != tt.wantRenamed {
				t.Fatalf("Commit with a failing %s fsync = %v, %v; want renamed %v and an error", tt.fail, renamed, err, tt.wantRenamed)
			}
		})
	}
}

func TestWritesReadBack(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		write func(path string) error
		want  string
		perm  os.FileMode
	}{
		{"WriteFile", func(p string) error { return WriteFile(p, []byte("a\x00b"), 0o640) }, "a\x00b", 0o640},
		{"Write", func(p string) error {
			return Write(p, 0o600, func(w io.Writer) error {
				io.WriteString(w, "one ")
				_, err := io.WriteString(w, "two")
				return err
			})
		}, "one two", 0o600},
		{"WriteJSON", func(p string) error { return WriteJSON(p, map[string]string{"k": "v"}, 0o644) }, "{\n  \"k\": \"v\"\n}\n", 0o644},
		{"ReplaceJSON", func(p string) error { return ReplaceJSON(p, []int{1, 2}, 0o600) }, "[\n  1,\n  2\n]\n", 0o600},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			// Twice: a new file, then a replacement of a longer one.
			if err := os.WriteFile(path, []byte("a previous and much longer content"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := tt.write(path); err != nil {
				t.Fatalf("%s = %v", tt.name, err)
			}
			data, err := os.ReadFile(path)
			if err != nil || string(data) != tt.want {
				t.Fatalf("read back %q, %v; want %q", data, err, tt.want)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != tt.perm {
				t.Fatalf("mode %v, want %v", fi.Mode().Perm(), tt.perm)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Fatalf("%d entries, want the 4 files and no temp file", len(entries))
	}
}

func TestWriteJSONRefusesUnencodable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	for name, f := range map[string]func() error{
		"WriteJSON":   func() error { return WriteJSON(path, make(chan int), 0o600) },
		"ReplaceJSON": func() error { return ReplaceJSON(path, make(chan int), 0o600) },
	} {
		if err := f(); err == nil {
			t.Errorf("%s(chan) succeeded", name)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a failed encoding left %s: %v", path, err)
	}
}

// Populate writes every file before it syncs any (one journal commit for
// all on ext4), syncs every file, and the directory last, before the
// caller renames it into place.
func TestPopulateWritesAllThenSyncsFilesThenDir(t *testing.T) {
	dir := t.TempDir()
	var calls []string
	orig := fsync
	t.Cleanup(func() { fsync = orig })
	fsync = func(f *os.File) error {
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			calls = append(calls, "dir")
		} else {
			// Every file is whole by the first sync.
			for _, n := range []string{"a", "b"} {
				if data, _ := os.ReadFile(filepath.Join(dir, n)); string(data) != n+n {
					t.Errorf("at the sync of %s, %s holds %q", filepath.Base(f.Name()), n, data)
				}
			}
			calls = append(calls, "file")
		}
		return orig(f)
	}
	if err := Populate(dir, 0o600, map[string][]byte{"a": []byte("aa"), "b": []byte("bb")}); err != nil {
		t.Fatalf("Populate = %v", err)
	}
	if want := []string{"file", "file", "dir"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("fsyncs = %q, want %q", calls, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a: %v, %v; want mode 0600", fi, err)
	}
	// A name already there (or a link planted in its place) is refused.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "c")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "c"} {
		if err := Populate(dir, 0o600, map[string][]byte{n: []byte("x")}); err == nil {
			t.Errorf("Populate over an existing %s succeeded", n)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "a")); string(data) != "aa" {
		t.Errorf("a = %q after a refused Populate", data)
	}
	// A failed sync is reported.
	fsync = func(*os.File) error { return errors.New("injected") }
	if err := Populate(t.TempDir(), 0o600, map[string][]byte{"a": nil}); err == nil {
		t.Error("Populate hid a failed fsync")
	}
}
