package registry

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// start serves the registry stored in dir until the test ends; stop ends
// it sooner.
func start(t *testing.T, dir string) (host string, stop func()) {
	t.Helper()
	r, err := New(dir, nil)
	if err != nil {
		t.Fatalf("New(%s) = %v", dir, err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), srv.Close
}

func ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	host, stop := start(t, dir)
	img, err := random.Image(32<<10, 2)
	if err != nil {
		t.Fatal(err)
	}
	img2, _ := random.Image(1024, 1)
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: img2, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	if err := remote.Write(ref(t, host+"/class/app:v1"), img); err != nil {
		t.Fatalf("Write(app:v1) = %v", err)
	}
	if err := remote.WriteIndex(ref(t, host+"/class/multi:latest"), idx); err != nil {
		t.Fatalf("WriteIndex(multi) = %v", err)
	}
	stop()

	host, _ = start(t, dir) // same directory, new server
	got, err := remote.Image(ref(t, host+"/class/app:v1"))
	if err != nil {
		t.Fatalf("after restart, Image(app:v1) = %v", err)
	}
	if err := validate.Image(got); err != nil {
		t.Errorf("after restart, app:v1 is not valid: %v", err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("after restart, app:v1 is %s, want %s", d, want)
	}
	gotIdx, err := remote.Index(ref(t, host+"/class/multi:latest"))
	if err != nil {
		t.Fatalf("after restart, Index(multi) = %v", err)
	}
	wantIdx, _ := idx.Digest()
	if d, _ := gotIdx.Digest(); d != wantIdx {
		t.Errorf("after restart, multi is %s, want %s", d, wantIdx)
	}
	child, _ := img2.Digest()
	if _, err := gotIdx.Image(child); err != nil {
		t.Errorf("after restart, multi's child %s: %v", child, err)
	}
	repos, err := remote.Catalog(t.Context(), ref(t, host+"/x").Context().Registry)
	slices.Sort(repos)
	if err != nil || strings.Join(repos, ",") != "class/app,class/multi" {
		t.Errorf("Catalog = %v, %v", repos, err)
	}
	// A deleted tag stays deleted across a restart.
	if err := remote.Delete(ref(t, host+"/class/app:v1")); err != nil {
		t.Fatalf("Delete(app:v1) = %v", err)
	}
	host, _ = start(t, dir)
	if _, err := remote.Image(ref(t, host+"/class/app:v1")); err == nil {
		t.Error("after delete and restart, app:v1 is still there")
	}
}

func TestRefusesBadManifestPuts(t *testing.T) {
	host, _ := start(t, t.TempDir())
	tests := []struct {
		name, path, body string
		status           int
	}{
		{"traversal", "/v2/a/../../etc/manifests/v1", "{}", http.StatusBadRequest},
		{"underscore component", "/v2/_tags/manifests/v1", "{}", http.StatusBadRequest},
		{"digest mismatch", "/v2/app/manifests/sha256:" + strings.Repeat("a", 64), "{}", http.StatusBadRequest},
		{"oversized", "/v2/app/manifests/v1", strings.Repeat(" ", MaxManifestSize+1), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPut, "http://"+host+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("PUT %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
		})
	}
}
