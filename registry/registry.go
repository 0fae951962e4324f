package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/atomicfile"
)

// MaxManifestSize bounds a manifest a client may put (4 MiB, as docker).
const MaxManifestSize = 4 << 20

// Registry is an http.Handler serving the distribution API from a
// directory.
type Registry struct {
	dir   string
	inner http.Handler
	mu    sync.Mutex // serializes manifest writes with their persistence
}

// New opens (creating if needed) the registry stored in dir and loads the
// manifests stored there. logw receives one line per request (nil: none).
func New(dir string, logw io.Writer) (*Registry, error) {
	if logw == nil {
		logw = io.Discard
	}
	b := &diskBlobs{dir: filepath.Join(dir, "blobs"), uploads: filepath.Join(dir, "uploads")}
	os.RemoveAll(b.uploads)
	for _, d := range []string{filepath.Join(b.dir, "sha256"), b.uploads, filepath.Join(dir, "repositories")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("registry directory %s: %w", dir, err)
		}
	}
	r := &Registry{dir: dir, inner: ggcr.New(ggcr.WithBlobHandler(b), ggcr.Logger(log.New(logw, "", log.LstdFlags)))}
	if err := r.replay(); err != nil {
		return nil, fmt.Errorf("registry directory %s: %w", dir, err)
	}
	return r, nil
}

// Serve runs a registry stored in dir on addr until ctx ends. ready, if
// not nil, is called with the address listened on.
func Serve(ctx context.Context, addr, dir string, logw io.Writer, ready func(addr string)) error {
	r, err := New(dir, logw)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("registry: listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if ready != nil {
		ready(ln.Addr().String())
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// manifestPath splits /v2/<name>/manifests/<reference>.
func manifestPath(p string) (repo, ref string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+len("/manifests/"):], true
}

func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	repo, ref, isManifest := manifestPath(req.URL.Path)
	if !isManifest || (req.Method != http.MethodPut && req.Method != http.MethodDelete) {
		r.inner.ServeHTTP(w, req)
		return
	}
	if !validRepo(repo) || strings.Contains(ref, "/") || ref == "" || ref[0] == '.' {
		writeError(w, http.StatusBadRequest, "NAME_INVALID", "invalid repository name or reference")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method == http.MethodDelete {
		rec := httptest.NewRecorder()
		r.inner.ServeHTTP(rec, req)
		if rec.Code == http.StatusAccepted {
			r.forget(repo, ref)
		}
		copyResponse(w, rec)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxManifestSize+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
		return
	}
	if len(body) > MaxManifestSize {
		writeError(w, http.StatusRequestEntityTooLarge, "SIZE_INVALID", fmt.Sprintf("manifest larger than %d bytes", MaxManifestSize))
		return
	}
	h, _, _ := v1.SHA256(bytes.NewReader(body))
	if strings.HasPrefix(ref, "sha256:") && ref != h.String() {
		writeError(w, http.StatusBadRequest, "DIGEST_INVALID", "manifest digest "+h.String()+" does not match "+ref)
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	r.inner.ServeHTTP(rec, req)
	if rec.Code == http.StatusCreated {
		if err := r.persist(repo, ref, h, req.Header.Get("Content-Type"), body); err != nil {
			writeError(w, http.StatusInternalServerError, "UNKNOWN", "storing manifest: "+err.Error())
			return
		}
	}
	copyResponse(w, rec)
}

// validRepo accepts a distribution repository name whose components can
// be directories: no empty, ".", ".." or "_"-prefixed component.
func validRepo(repo string) bool {
	if _, err := name.NewRepository(repo); err != nil {
		return false
	}
	for _, c := range strings.Split(repo, "/") {
		if c == "" || c == "." || c == ".." || c[0] == '_' || c[0] == '.' {
			return false
		}
	}
	return true
}

func (r *Registry) repoDir(repo string) string {
	return filepath.Join(r.dir, "repositories", filepath.FromSlash(repo))
}

// persist stores an accepted manifest, and the tag naming it.
func (r *Registry) persist(repo, ref string, h v1.Hash, mediaType string, body []byte) error {
	d := r.repoDir(repo)
	for _, sub := range []string{"_manifests", "_tags"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return err
		}
	}
	mp := filepath.Join(d, "_manifests", h.Hex)
	if err := atomicfile.WriteFile(mp+".type", []byte(mediaType), 0o644); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(mp, body, 0o644); err != nil {
		return err
	}
	if strings.HasPrefix(ref, "sha256:") {
		return nil
	}
	return atomicfile.WriteFile(filepath.Join(d, "_tags", ref), []byte(h.String()), 0o644)
}

// forget removes a deleted manifest (and the tags naming it) or tag.
func (r *Registry) forget(repo, ref string) {
	d := r.repoDir(repo)
	if !strings.HasPrefix(ref, "sha256:") {
		os.Remove(filepath.Join(d, "_tags", ref))
		return
	}
	hex := strings.TrimPrefix(ref, "sha256:")
	os.Remove(filepath.Join(d, "_manifests", hex))
	os.Remove(filepath.Join(d, "_manifests", hex+".type"))
	tags, _ := os.ReadDir(filepath.Join(d, "_tags"))
	for _, t := range tags {
		p := filepath.Join(d, "_tags", t.Name())
		if data, _ := os.ReadFile(p); string(data) == ref {
			os.Remove(p)
		}
	}
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, msg)
}
