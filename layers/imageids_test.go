package layers

import (
	"strings"
	"testing"
)

// TestParity6ImageIDs: one read of index.json answers what Resolve
// answers for names, name@digest, IDs and ID prefixes, and knows nothing
// of a name once untagged.
func TestParity6ImageIDs(t *testing.T) {
	s := newStore(t)
	a, b := twoImages(t, s)
	ids, err := s.ImageIDs()
	if err != nil {
		t.Fatalf("ImageIDs() = %v", err)
	}
	for _, ref := range []string{"a:1", "localhost:5000/a:2", "b:1", "docker.io/library/b:1", a.ID, b.ID,
		strings.TrimPrefix(a.ID, "sha256:")[:12], "a@" + a.Digest, "localhost:5000/a@" + a.Digest} {
		img, err := s.Resolve(ref)
		if err != nil {
			t.Fatalf("Resolve(%s) = %v", ref, err)
		}
		if id, ok := ids.Lookup(ref); !ok || id != img.ID {
			t.Errorf("Lookup(%s) = %s, %v; want %s as Resolve", ref, id, ok, img.ID)
		}
	}
	for _, ref := range []string{"nope:1", "a:2", "sha256:" + strings.Repeat("0", 12), "", "Bad:Ref"} {
		if id, ok := ids.Lookup(ref); ok {
			t.Errorf("Lookup(%s) = %s; want not found", ref, id)
		}
	}
	if _, err := s.Untag("b:1"); err != nil {
		t.Fatal(err)
	}
	if ids, err = s.ImageIDs(); err != nil {
		t.Fatalf("ImageIDs() = %v", err)
	}
	if id, ok := ids.Lookup("b:1"); ok {
		t.Errorf("Lookup(b:1) after the untag = %s; want not found", id)
	}
	if id, ok := ids.Lookup(b.ID); !ok || id != b.ID {
		t.Errorf("Lookup(ID) of the untagged image = %s, %v", id, ok)
	}
}
