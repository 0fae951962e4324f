package layers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berthdev/berth/internal/errdefs"
)

// testRegistry is an in-memory registry whose blob answers a test can
// spoil, counting blob downloads.
type testRegistry struct {
	*httptest.Server
	mu      sync.Mutex
	gets    map[string]int      // GETs per blob digest
	ranges  map[string][]string // their Range headers
	corrupt map[string]int      // blob digest -> how many more answers to spoil
	auth    [2]string           // user, password when not empty
	serve   http.HandlerFunc    // replaces the registry when set
	inner   http.Handler
}

func newTestRegistry(t *testing.T) *testRegistry {
	r := &testRegistry{gets: map[string]int{}, ranges: map[string][]string{}, corrupt: map[string]int{}, inner: ggcr.New(ggcr.Logger(nopLogger()))}
	r.Server = httptest.NewServer(http.HandlerFunc(r.handle))
	t.Cleanup(r.Close)
	return r
}

func (r *testRegistry) host() string { return strings.TrimPrefix(r.URL, "http://") }

func (r *testRegistry) handle(w http.ResponseWriter, req *http.Request) {
	if r.auth[0] != "" {
		if u, p, ok := req.BasicAuth(); !ok || u != r.auth[0] || p != r.auth[1] {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
	}
	if r.serve != nil {
		r.serve(w, req)
		return
	}
	if i := strings.Index(req.URL.Path, "/blobs/sha256:"); i >= 0 && req.Method == http.MethodGet {
		d := req.URL.Path[i+len("/blobs/"):]
		r.mu.Lock()
		r.gets[d]++
		r.ranges[d] = append(r.ranges[d], req.Header.Get("Range"))
		spoil := r.corrupt[d] > 0
		if spoil {
			r.corrupt[d]--
		}
		r.mu.Unlock()
		if spoil {
			rec := httptest.NewRecorder()
			r.inner.ServeHTTP(rec, req)
			body := rec.Body.Bytes()
			body[len(body)/2] ^= 0xff
			w.WriteHeader(rec.Code)
			w.Write(body)
			return
		}
	}
	r.inner.ServeHTTP(w, req)
}

// pushRandom puts a random image of n layers at host/repo:tag.
func pushRandom(t *testing.T, host, ref string, n int64) v1.Image {
	t.Helper()
	img, err := random.Image(64<<10, n)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(host + "/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("remote.Write(%s) = %v", r, err)
	}
	return img
}

func pull(s *Store, ref string) (*Image, error) {
	p, err := s.Fetch(context.Background(), ref, RemoteOptions{Jobs: 1, Keychain: authn.NewMultiKeychain(), Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	img, _, err := s.CommitPull(p)
	return img, err
}

// visibleState is what a failed pull must leave unchanged: blobs, layer
// records and names (ingest/ may keep verified blobs for the next pull).
func visibleState(t *testing.T, s *Store) string {
	t.Helper()
	var parts []string
	for _, d := range []string{filepath.Join(s.oci, "blobs", "sha256"), s.layerInfo} {
		names := readDirNames(d)
		sort.Strings(names)
		parts = append(parts, strings.Join(names, ","))
	}
	idx, _ := os.ReadFile(s.indexPath())
	return strings.Join(parts, "\n") + string(idx)
}

func TestPullPushRoundTrip(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	want := pushRandom(t, reg.host(), "class/app:v1", 3)
	wantDigest, _ := want.Digest()
	img, err := pull(s, reg.host()+"/class/app:v1")
	if err != nil {
		t.Fatalf("pull = %v", err)
	}
	if img.Digest != wantDigest.String() || len(img.Layers) != 3 {
		t.Fatalf("pulled %s with %d layers, want %s with 3", img.Digest, len(img.Layers), wantDigest)
	}
	for _, l := range img.Layers {
		if _, err := os.Stat(filepath.Join(s.layerInfo, strings.TrimPrefix(l.DiffID, "sha256:"))); err != nil {
			t.Errorf("layer %s: no layerinfo record: %v", l.Digest, err)
		}
	}
	if src := s.Sources(img.Digest); len(src) != 1 || src[0].Ref != reg.host()+"/class/app:v1" || src[0].Action != "pull" {
		t.Errorf("Sources = %+v", src)
	}
	if entries, _ := os.ReadDir(s.ingest); len(entries) != 0 {
		t.Errorf("ingest/ keeps %d entries after a pull", len(entries))
	}
	// Pushed back under another name, the registry has the same manifest.
	p, err := s.Push(context.Background(), reg.host()+"/class/app:v1", reg.host()+"/other/app:v2", RemoteOptions{})
	if err != nil {
		t.Fatalf("Push = %v", err)
	}
	got, err := RemoteDigest(context.Background(), reg.host()+"/other/app:v2", RemoteOptions{})
	if err != nil || got != img.Digest || p.Digest != img.Digest || p.Tag != "v2" {
		t.Fatalf("after Push = %+v, registry has %s (%v), want %s", p, got, err, img.Digest)
	}
	cat, err := Catalog(context.Background(), reg.host(), RemoteOptions{})
	if err != nil || fmt.Sprint(cat) != "map[class/app:[v1] other/app:[v2]]" {
		t.Fatalf("Catalog = %v, %v", cat, err)
	}
}

func TestPullBadInput(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downHost := strings.TrimPrefix(down.URL, "http://")
	down.Close()
	tests := []struct {
		name  string
		setup func(r *testRegistry) string // returns the reference to pull
		class error
		words string
	}{
		{"registry down", func(r *testRegistry) string { return downHost + "/app:v1" }, errdefs.ErrUnavailable, "not reachable"},
		{"no such name", func(r *testRegistry) string { return r.host() + "/nothing:here" }, errdefs.ErrNotFound, "not found"},
		{"malformed reference", func(r *testRegistry) string { return r.host() + "/UPPER//x" }, errdefs.ErrInvalid, "invalid reference"},
		{"wrong credentials", func(r *testRegistry) string {
			pushRandom(t, r.host(), "app:v1", 1)
			r.auth = [2]string{"teacher", "secret"}
			return r.host() + "/app:v1"
		}, errdefs.ErrPermission, "access denied"},
		{"corrupt blob", func(r *testRegistry) string {
			img := pushRandom(t, r.host(), "app:v1", 2)
			ls, _ := img.Layers()
			d, _ := ls[1].Digest()
			r.corrupt[d.String()] = 100 // every retry too
			return r.host() + "/app:v1"
		}, errdefs.ErrInvalid, "digest"},
		{"registry that never answers", func(r *testRegistry) string {
			r.serve = func(w http.ResponseWriter, req *http.Request) { <-req.Context().Done() }
			return r.host() + "/app:v1"
		}, errdefs.ErrUnavailable, "did not answer in time"},
		{"registry that stalls in a blob", func(r *testRegistry) string {
			img := pushRandom(t, r.host(), "app:v1", 1)
			ls, _ := img.Layers()
			d, _ := ls[0].Digest()
			size, _ := ls[0].Size()
			r.serve = func(w http.ResponseWriter, req *http.Request) {
				if strings.HasSuffix(req.URL.Path, d.String()) && req.Method == http.MethodGet {
					w.Header().Set("Content-Length", fmt.Sprint(size))
					w.Write(make([]byte, 1000))
					w.(http.Flusher).Flush()
					<-req.Context().Done()
					return
				}
				r.inner.ServeHTTP(w, req)
			}
			return r.host() + "/app:v1"
		}, errdefs.ErrUnavailable, "sent nothing"},
		{"oversized manifest", func(r *testRegistry) string {
			big := bytes.Repeat([]byte(" "), MaxManifestSize+1)
			r.serve = func(w http.ResponseWriter, req *http.Request) {
				if strings.Contains(req.URL.Path, "/manifests/") {
					w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
					w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("0", 64))
					w.Write(big)
					return
				}
				w.WriteHeader(http.StatusOK)
			}
			return r.host() + "/app:v1"
		}, errdefs.ErrInvalid, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			reg := newTestRegistry(t)
			ref := tt.setup(reg)
			before := visibleState(t, s)
			_, err := pull(s, ref)
			if err == nil {
				t.Fatalf("pull(%s) succeeded", ref)
			}
			host, _, _ := strings.Cut(ref, "/")
			if !errdefs.Is(err, tt.class) || !strings.Contains(err.Error(), tt.words) || !strings.Contains(err.Error(), host) || strings.Contains(err.Error(), "\n") {
				t.Errorf("pull(%s) = %q, want one line of class %v naming %s and saying %q", ref, err, tt.class, host, tt.words)
			}
			if after := visibleState(t, s); after != before {
				t.Errorf("store changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

func TestPullContinuesAfterFailure(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	img := pushRandom(t, reg.host(), "app:v1", 3)
	ls, _ := img.Layers()
	last, _ := ls[2].Digest()
	reg.corrupt[last.String()] = 100
	if _, err := pull(s, reg.host()+"/app:v1"); err == nil {
		t.Fatal("pull with a corrupt layer succeeded")
	}
	reg.corrupt[last.String()] = 0
	if _, err := pull(s, reg.host()+"/app:v1"); err != nil {
		t.Fatalf("second pull = %v", err)
	}
	for i, l := range ls[:2] {
		d, _ := l.Digest()
		if n := reg.gets[d.String()]; n != 1 {
			t.Errorf("layer %d fetched %d times, want once (kept from the failed pull)", i, n)
		}
	}
	// A third pull fetches no layer at all.
	if _, err := pull(s, reg.host()+"/app:v1"); err != nil {
		t.Fatalf("third pull = %v", err)
	}
	d0, _ := ls[0].Digest()
	if n := reg.gets[d0.String()]; n != 1 {
		t.Errorf("layer present in the store fetched again (%d GETs)", n)
	}
}

func nopLogger() *log.Logger { return log.New(io.Discard, "", 0) }
