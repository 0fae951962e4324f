package layers

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berthdev/berth/internal/errdefs"
)

// A registry image whose config names a diff ID its layer's content does
// not have is refused, and the store keeps nothing of it.
func TestPullRefusesWrongDiffID(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	img, err := random.Image(4<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs[1] = sha([]byte("not the layer's content"))
	lying, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := name.ParseReference(reg.host() + "/app:v1")
	if err := remote.Write(r, lying); err != nil {
		t.Fatalf("remote.Write = %v", err)
	}
	before := visibleState(t, s)
	_, err = pull(s, reg.host()+"/app:v1")
	if !errdefs.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "diff ID") {
		t.Fatalf("pull = %v, want ErrInvalid about the diff ID", err)
	}
	if after := visibleState(t, s); after != before {
		t.Fatalf("store changed:\n%s\nwas\n%s", after, before)
	}
}

// A pull that resumes a dead pull's partial blob checks the digest of the
// whole blob itself (the registry's Range answer is not verified by the
// client library): a partial file with other bytes that decompress to the
// same content must not end up stored under the registry's digest.
func TestPullResumeChecksDigestOfWholeBlob(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	img := pushRandom(t, reg.host(), "app:v1", 1)
	md, _ := img.Digest()
	ls, _ := img.Layers()
	ld, _ := ls[0].Digest()
	rc, _ := ls[0].Compressed()
	blob, _ := io.ReadAll(rc)
	rc.Close()
	// Another gzip header (its mtime), same content: only the digest of
	// the whole blob tells the difference.
	part := regzipped(blob[:len(blob)/2])
	dead := filepath.Join(s.ingest, "pull-"+md.Hex[:24]+"-dead")
	if err := os.MkdirAll(dead, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dead, ".lock"), nil, 0o600)
	if err := os.WriteFile(filepath.Join(dead, "part-"+ld.Hex+"-0"), part, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := pull(s, reg.host()+"/app:v1"); err != nil {
		t.Fatalf("pull = %v", err)
	}
	if n := reg.gets[ld.String()]; n != 2 {
		t.Errorf("blob GETs = %d, want 2 (the rest, then the whole blob once the digest was wrong)", n)
	}
	assertBlobsCommitted(t, s)
}

// CommitPull takes back the blobs it moved into the store when a later
// step fails.
func TestCommitPullRollsBackOnFailure(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	pushRandom(t, reg.host(), "app:v1", 2)
	p, err := s.Fetch(context.Background(), reg.host()+"/app:v1", RemoteOptions{Jobs: 1, Keychain: authn.NewMultiKeychain(), Timeout: time.Second})
	if err != nil {
		t.Fatalf("Fetch = %v", err)
	}
	before := visibleState(t, s)
	blobsBefore := readDirNames(filepath.Join(s.oci, "blobs", "sha256"))
	p.manifest = []byte("{not a manifest") // fails after the layers and the config are in
	if _, _, err := s.CommitPull(p); err == nil {
		t.Fatal("CommitPull of a broken manifest succeeded")
	}
	if blobs := readDirNames(filepath.Join(s.oci, "blobs", "sha256")); len(blobs) != len(blobsBefore) {
		t.Fatalf("blobs after a failed CommitPull: %q, want %q", blobs, blobsBefore)
	}
	if after := visibleState(t, s); after != before {
		t.Fatalf("store changed:\n%s\nwas\n%s", after, before)
	}
}
