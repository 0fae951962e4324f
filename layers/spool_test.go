package layers

import (
	"bytes"
	"os"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
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

// A docker-archive's plain tar layer is stored gzipped (as docker save's
// own layers are pulled and pushed), under the diff ID the config names.
func TestLoadStoresAPlainTarLayerGzipped(t *testing.T) {
	s := newStore(t)
	layer := makeTar(t, reg("a", "first"))
	if _, err := s.Load(bytes.NewReader(dockerArchive(t, [][]byte{layer}, []v1.Hash{sha(layer)}))); err != nil {
		t.Fatalf("Load = %v", err)
	}
	img, err := s.Resolve("app:v1")
	if err != nil || len(img.Layers) != 1 {
		t.Fatalf("Resolve(app:v1) = %v, %v", img, err)
	}
	l := img.Layers[0]
	d, err := v1.NewHash(l.Digest)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := os.ReadFile(s.blobPath(d))
	if err != nil {
		t.Fatal(err)
	}
	if l.MediaType != string(types.OCILayer) || !bytes.HasPrefix(blob, []byte{0x1f, 0x8b}) || l.DiffID != sha(layer).String() {
		t.Fatalf("stored layer %s (%s, diff ID %s) begins % x; want gzip of the plain tar, diff ID %s", l.Digest, l.MediaType, l.DiffID, blob[:4], sha(layer))
	}
}
