package layers

import (
	"bytes"
	"os"
	"testing"
)

// A spooled archive, closed, keeps no descriptor open: a long-lived
// process (the TUI) that loads archive after archive does not run out.
func TestSpoolCloseKeepsNoDescriptor(t *testing.T) {
	s := newStore(t)
	archive := makeTar(t, reg("manifest.json", "[]"))
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	before := fds()
	for i := 0; i < 8; i++ {
		a, err := s.Spool(bytes.NewReader(archive))
		if err != nil {
			t.Fatalf("Spool = %v", err)
		}
		if err := a.Close(); err != nil {
			t.Fatalf("Close = %v", err)
		}
	}
	if after := fds(); after > before {
		t.Fatalf("%d descriptors open after 8 spools and closes, %d before", after, before)
	}
}
