package layers

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestParity6HeldImage: a deleted image a container uses leaves
// index.json but keeps its blobs and snapshots through any gc (another
// rmi, the orphan-blob sweep) until no container uses it; HeldImage finds
// it meanwhile; then Collect deletes what it alone reached.
func TestParity6HeldImage(t *testing.T) {
	s := newStore(t)
	a, b := twoImages(t, s)
	lower, err := s.LowerDirs(b)
	if err != nil {
		t.Fatalf("LowerDirs = %v", err)
	}
	used := map[string]bool{b.ID: true}
	s.inUse = func() (map[string]bool, error) { return used, nil }
	rm, err := s.DeleteHeld(b)
	if err != nil || len(rm.Deleted) != 1 || rm.Deleted[0] != b.ID || len(rm.Untagged) != 1 || rm.Untagged[0] != "b:1" {
		t.Fatalf("DeleteHeld = %+v, %v", rm, err)
	}
	if _, err := s.Resolve(b.ID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Resolve(held ID) = %v, want not found", err)
	}
	if _, err := s.Remove(a.ID, true); err != nil { // a gc with b held
		t.Fatal(err)
	}
	s.SweepOrphanBlobs()
	for _, d := range lower {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("snapshot %s of the held image: %v", d, err)
		}
	}
	if img, err := s.HeldImage(b.ID); err != nil || img.Digest != b.Digest {
		t.Fatalf("HeldImage = %+v, %v", img, err)
	}
	defer func(c func() time.Time) { clock = c }(clock)
	clock = func() time.Time { return time.Now().Add(24 * time.Hour) } // past leftoverAge
	lowerInUse := map[string]bool{}
	for _, d := range lower {
		lowerInUse[d] = true
	}
	if probs := s.Check(lowerInUse); len(probs) != 0 {
		t.Errorf("Check with a held image = %+v, want no orphan", probs)
	}
	delete(used, b.ID)
	if _, err := s.Collect(); err != nil {
		t.Fatal(err)
	}
	for _, d := range lower {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("snapshot %s after its last user went: %v", d, err)
		}
	}
	if _, err := s.HeldImage(b.ID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("HeldImage after its last user went = %v", err)
	}
	if got := readDirNames(s.oci + "/blobs/sha256"); len(got) != 0 {
		t.Errorf("blobs left: %v", got)
	}
}
