package layers

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestPullPlatform: from a multi-platform index built here and pushed to a
// registry, Fetch picks the host's image by default and the one
// --platform names otherwise; a platform the index lacks, or a malformed
// one, fails in one line and stores nothing.
func TestPullPlatform(t *testing.T) {
	reg := newTestRegistry(t)
	platforms := []v1.Platform{
		{OS: "linux", Architecture: "amd64"},
		{OS: "linux", Architecture: "arm64"},
		{OS: "linux", Architecture: "arm", Variant: "v7"},
	}
	want := map[string]string{} // platform -> manifest digest
	var idx v1.ImageIndex = empty.Index
	for _, p := range platforms {
		img, err := random.Image(1024, 1)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		want[p.String()] = d.String()
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	ref := reg.host() + "/multi/app:v1"
	r, _ := name.ParseReference(ref)
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatalf("remote.WriteIndex(%s) = %v", r, err)
	}
	host := "linux/" + runtime.GOARCH
	for _, tc := range []struct {
		platform, want string
		class          error
	}{
		{"", want[host], nil},
		{"linux/arm64", want["linux/arm64"], nil},
		{"linux/arm/v7", want["linux/arm/v7"], nil},
		{"linux/s390x", "", errdefs.ErrNotFound},
		{"arm64", "", errdefs.ErrInvalid},
	} {
		s := newStore(t)
		before := visibleState(t, s)
		p, err := s.Fetch(context.Background(), ref, RemoteOptions{Platform: tc.platform, Keychain: authn.NewMultiKeychain()})
		if tc.class != nil {
			if !errdefs.Is(err, tc.class) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), ref) {
				t.Errorf("Fetch(%s, --platform %q) = %v, want one line naming the reference, class %v", ref, tc.platform, err, tc.class)
			}
			if after := visibleState(t, s); after != before {
				t.Errorf("Fetch(--platform %q) failed but changed the store", tc.platform)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Fetch(%s, --platform %q) = %v", ref, tc.platform, err)
		}
		img, _, err := s.CommitPull(p)
		if err != nil || img.Digest != tc.want {
			t.Errorf("--platform %q: pulled %v (%v), want %s", tc.platform, img, err, tc.want)
		}
	}
}
