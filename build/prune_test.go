package build

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestPruneSet(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Two chains on one base: a1 <- a2 <- a3 (a3 tagged), b1 <- b2 <- b3
	// (b3 an old, untagged result), and c1 <- c2 with c1 used by a container.
	steps := []Step{
		{ID: "a1", Parent: "base", Created: t0}, {ID: "a2", Parent: "a1", Created: t0.Add(1)}, {ID: "a3", Parent: "a2", Created: t0.Add(2)},
		{ID: "b1", Parent: "base", Created: t0.Add(3)}, {ID: "b2", Parent: "b1", Created: t0.Add(4)}, {ID: "b3", Parent: "b2", Created: t0.Add(5)},
		{ID: "c1", Parent: "base", Created: t0.Add(6)}, {ID: "c2", Parent: "c1", Created: t0.Add(7)},
	}
	needed := func(s Step) bool { return s.ID == "a3" || s.ID == "c1" }
	result := func(s Step) bool { return s.ID == "b3" || s.ID == "a3" }
	for _, tc := range []struct {
		name  string
		all   bool
		until time.Time
		want  string
	}{
		{"dangling: what no tag or container needs, with its ancestors kept", false, time.Time{}, "b1 b2 c2"},
		{"all: every step not needed itself", true, time.Time{}, "a1 a2 b1 b2 c2"},
		{"until keeps what is newer", true, t0.Add(4), "a1 a2 b1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range PruneSet(steps, needed, result, tc.all, tc.until) {
				got = append(got, s.ID)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("PruneSet(all=%v, until=%v) = %v, want %s", tc.all, tc.until, got, tc.want)
			}
		})
	}
}

// The index is whole records or none after a crash: temporary files a
// killed build left are removed once stale, an unreadable record reads
// as one without a digest (the engine then checks its image), and
// Forget drops records and every key naming them.
func TestCacheIndexAfterCrash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "buildcache")
	c, err := OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddStep(Step{ID: "sha256:aa", Digest: "sha256:ma", Parent: "sha256:base"}); err != nil {
		t.Fatal(err)
	}
	c.Put("k1", "sha256:aa", "sha256:ma")
	c.Put("k2", "sha256:bb", "sha256:mb")
	if err := os.WriteFile(filepath.Join(dir, ".steps", "bb"), []byte(`{"id":"sha2`), 0o600); err != nil { // torn by hand: never by writeWhole
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	temps := []string{".tmp/.tmp-1", ".tmp/.tmp-new", ".steps/.tmp-2"} // the last left by a build from before .tmp/
	for _, p := range temps {
		p = filepath.Join(dir, p)
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(p, "new") {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c, err = OpenCache(dir); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{".tmp/.tmp-1": false, ".tmp/.tmp-new": true, ".steps/.tmp-2": true} {
		if _, err := os.Stat(filepath.Join(dir, p)); (err == nil) != want {
			t.Errorf("after OpenCache, %s exists = %v, want %v", p, err == nil, want)
		}
	}
	steps, err := c.Steps()
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{ID: "sha256:aa", Digest: "sha256:ma", Parent: "sha256:base"}, {ID: "sha256:bb"}}
	if !slices.EqualFunc(steps, want, func(a, b Step) bool { return a.ID == b.ID && a.Digest == b.Digest && a.Parent == b.Parent }) {
		t.Fatalf("Steps() = %+v, want %+v", steps, want)
	}
	if err := c.Forget(map[string]bool{"sha256:bb": true}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := c.Get("k2"); ok {
		t.Error("Forget kept the key of a forgotten image")
	}
	if _, err := os.Stat(filepath.Join(dir, ".steps/.tmp-2")); err == nil {
		t.Error("Forget kept a stale temporary file beside the step records")
	}
	if _, _, ok := c.Get("k1"); !ok {
		t.Error("Forget dropped another image's key")
	}
	if ids, _ := c.StepIDs(); len(ids) != 1 || !ids["sha256:aa"] {
		t.Errorf("StepIDs() = %v", ids)
	}
}

// A build's final image is marked as one; others are not. Forget reports
// a record it could not remove rather than saying it dropped it.
func TestCacheResultsAndForgetFailures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "buildcache")
	c, err := OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MarkResult("sha256:aa"); err != nil {
		t.Fatal(err)
	}
	if !c.IsResult("sha256:aa") || c.IsResult("sha256:bb") {
		t.Fatalf("IsResult(aa, bb) = %v, %v; want true, false", c.IsResult("sha256:aa"), c.IsResult("sha256:bb"))
	}
	if err := c.Forget(map[string]bool{"sha256:aa": true}); err != nil || c.IsResult("sha256:aa") {
		t.Fatalf("Forget(aa) = %v; still a result: %v", err, c.IsResult("sha256:aa"))
	}
	// A step record, then a key, that cannot be removed (a directory
	// with an entry where the file should be).
	for _, p := range []string{filepath.Join(dir, ".steps", "cc", "x"), filepath.Join(dir, "kc", "x")} {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := c.Forget(map[string]bool{"sha256:cc": true}); err == nil {
			t.Errorf("Forget with %s in the way = nil, want the failure", filepath.Dir(p))
		}
		os.RemoveAll(filepath.Dir(p))
	}
}

// A record the disk will not take whole is never put in place: a reader
// sees the old record or none, not the part that was written. The file
// size limit (RLIMIT_FSIZE; Go ignores SIGXFSZ, so the write fails with
// EFBIG) stands in for a full disk.
func TestCachePutCutShortLeavesNothing(t *testing.T) {
	c, err := OpenCache(filepath.Join(t.TempDir(), "buildcache"))
	if err != nil {
		t.Fatal(err)
	}
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	small := old
	small.Cur = 8
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &small); err != nil {
		t.Fatal(err)
	}
	err = c.Put("k", "sha256:"+strings.Repeat("1", 64), "sha256:"+strings.Repeat("2", 64))
	if rerr := unix.Setrlimit(unix.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil {
		t.Fatal("Put past the file size limit = nil, want the write's error")
	}
	if id, d, ok := c.Get("k"); ok || id != "" {
		t.Fatalf("Get after a cut-short Put = %q %q %v, want no record", id, d, ok)
	}
}

// Opening the cache, as every build does, reads no more directory
// entries when earlier builds left many records (issue #23): the sweep
// of killed builds' temporary files reads .tmp alone.
func TestOpenCacheReadsNoRecords_rebuild(t *testing.T) {
	read := map[int]int64{}
	for _, n := range []int{2, 300} {
		dir := filepath.Join(t.TempDir(), "buildcache")
		c, err := OpenCache(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("sha256:%064x", i)
			if err := c.AddStep(Step{ID: id, Digest: id}); err != nil {
				t.Fatal(err)
			}
			if err := c.Put(fmt.Sprintf("%064x", i), id, id); err != nil {
				t.Fatal(err)
			}
			if err := c.MarkResult(id); err != nil {
				t.Fatal(err)
			}
		}
		before := sweptEntries.Load()
		if _, err := OpenCache(dir); err != nil {
			t.Fatal(err)
		}
		read[n] = sweptEntries.Load() - before
	}
	if read[2] != read[300] {
		t.Errorf("OpenCache read %d directory entries with 2 builds' records, %d with 300: want the same", read[2], read[300])
	}
}
