package integration

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ggname "github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// spoiler is an in-memory registry a test can make misbehave: ask for a
// password, corrupt a blob, or send one slowly. It counts blob downloads.
type spoiler struct {
	*httptest.Server
	inner   http.Handler
	mu      sync.Mutex
	user    string // basic auth required when set (password "right")
	corrupt string // this blob is served with a flipped byte
	slow    string // this blob is served at 64 KiB per 100 ms
	huge    string // manifests of this repository are 5 MiB
	gets    map[string]int
	ranges  map[string][]string // Range headers of blob GETs
}

func newSpoiler(t *testing.T) *spoiler {
	s := &spoiler{inner: ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))), gets: map[string]int{}, ranges: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *spoiler) host() string { return strings.TrimPrefix(s.URL, "http://") }

func (s *spoiler) set(f func()) { s.mu.Lock(); f(); s.mu.Unlock() }

func (s *spoiler) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	user, corrupt, slow, huge := s.user, s.corrupt, s.slow, s.huge
	s.mu.Unlock()
	if huge != "" && strings.Contains(r.URL.Path, "/"+huge+"/manifests/") {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Write(append([]byte(`{"schemaVersion":2,"pad":"`), bytes.Repeat([]byte("x"), 5<<20)...))
		return
	}
	if u, p, ok := r.BasicAuth(); user != "" && (!ok || u != user || p != "right") {
		w.Header().Set("WWW-Authenticate", `Basic realm="class"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
		return
	}
	i := strings.Index(r.URL.Path, "/blobs/sha256:")
	if i < 0 || r.Method != http.MethodGet {
		s.inner.ServeHTTP(w, r)
		return
	}
	d := r.URL.Path[i+len("/blobs/"):]
	s.set(func() { s.gets[d]++; s.ranges[d] = append(s.ranges[d], r.Header.Get("Range")) })
	rec := httptest.NewRecorder()
	s.inner.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if d == corrupt {
		body[len(body)/2] ^= 0xff
	}
	w.Header().Set("Content-Length", rec.Header().Get("Content-Length"))
	w.WriteHeader(rec.Code)
	for len(body) > 0 {
		n := min(len(body), 64<<10)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		body = body[n:]
		if d == slow {
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// push puts a random image of n layers of size bytes at ref on s.
func (s *spoiler) push(t *testing.T, ref string, size, n int64) []v1.Hash {
	t.Helper()
	img, err := random.Image(size, n)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ggname.ParseReference(s.host() + "/" + ref)
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("remote.Write(%s) = %v", r, err)
	}
	ls, _ := img.Layers()
	var out []v1.Hash
	for _, l := range ls {
		d, _ := l.Digest()
		out = append(out, d)
	}
	return out
}

// visible is what a failed pull must not change: names and blobs.
func visible(t *testing.T, root string) string {
	t.Helper()
	blobs, _ := os.ReadDir(filepath.Join(root, "oci", "blobs", "sha256"))
	return okAt(t, root, "images", "-a", "--no-trunc") + "\n" + strings.Repeat("b", len(blobs))
}

// TestRegistryBadInput: each failure is one line naming the registry and
// the reference, exit 1, quickly, and stores nothing.
func TestRegistryBadInput(t *testing.T) {
	sp := newSpoiler(t)
	layers := sp.push(t, "app:v1", 1<<20, 2)
	sp.set(func() { sp.corrupt, sp.huge = layers[1].String(), "huge" })
	sp.push(t, "auth:v1", 1024, 1)
	down := freePort(t)
	store, cfg := tempStore(t), t.TempDir()
	okAt(t, store, "bootstrap")
	okAt(t, store, "tag", "busybox", down+"/busybox:latest")
	tests := []struct {
		name  string
		args  []string
		stdin string
		words []string
	}{
		{"registry down", []string{"pull", down + "/app:v1"}, "", []string{down + "/app:v1", "not reachable"}},
		{"no such name", []string{"pull", sp.host() + "/nothing:here"}, "", []string{sp.host() + "/nothing:here", "not found"}},
		{"malformed reference", []string{"pull", sp.host() + "/Bad//Name"}, "", []string{sp.host() + "/Bad//Name", "invalid reference"}},
		{"digest mismatch", []string{"pull", sp.host() + "/app:v1"}, "", []string{sp.host() + "/app:v1", "does not match the digest"}},
		{"oversized manifest", []string{"pull", sp.host() + "/huge:v1"}, "", []string{sp.host() + "/huge:v1", "larger than"}},
		{"push to a down registry", []string{"push", down + "/busybox:latest"}, "", []string{down + "/busybox:latest", "not reachable"}},
		{"push of a missing image", []string{"push", sp.host() + "/absent:v1"}, "", []string{sp.host() + "/absent:v1", "not found"}},
		{"wrong credentials", []string{"login", "-u", "teacher", "--password-stdin", sp.host()}, "wrong\n", []string{"login to " + sp.host(), "access denied"}},
	}
	sp.set(func() { sp.user = "teacher" })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no such name" || tt.name == "oversized manifest" || tt.name == "digest mismatch" || tt.name == "push of a missing image" {
				sp.set(func() { sp.user = "" })
				defer sp.set(func() { sp.user = "teacher" })
			}
			before := visible(t, store)
			start := time.Now()
			r := at(t, store, cfg, tt.stdin, tt.args...)
			if r.code != 1 {
				t.Fatalf("berth %s: want exit 1, got %v", strings.Join(tt.args, " "), r)
			}
			line := strings.TrimSpace(r.stderr)
			for _, w := range tt.words {
				if !strings.Contains(line, w) {
					t.Errorf("berth %s: %q lacks %q", strings.Join(tt.args, " "), line, w)
				}
			}
			if strings.Contains(line, "\n") {
				t.Errorf("berth %s: error is several lines: %q", strings.Join(tt.args, " "), line)
			}
			// A hang guard, not a speed claim: bad input must end the
			// command (the stall deadlines), however loaded the machine.
			if d := time.Since(start); d > 90*time.Second {
				t.Errorf("berth %s hung for %v", strings.Join(tt.args, " "), d)
			}
			if after := visible(t, store); after != before {
				t.Errorf("berth %s changed the store:\n%s\nwas\n%s", strings.Join(tt.args, " "), after, before)
			}
		})
	}
	// The right password works, is stored in DOCKER_CONFIG, is used by pull,
	// and logout removes it.
	if r := at(t, store, cfg, "right\n", "login", "-u", "teacher", "--password-stdin", sp.host()); r.code != 0 || !strings.Contains(r.stdout, "Login Succeeded") {
		t.Fatalf("login with the right password: %v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(cfg, "config.json")); !strings.Contains(string(data), sp.host()) {
		t.Errorf("config.json after login: %s", data)
	}
	if r := at(t, store, cfg, "", "pull", sp.host()+"/auth:v1"); r.code != 0 {
		t.Errorf("pull with stored credentials: %v", r)
	}
	if r := at(t, store, cfg, "", "logout", sp.host()); r.code != 0 || !strings.Contains(r.stdout, "Removing login credentials") {
		t.Errorf("logout: %v", r)
	}
	if r := at(t, store, cfg, "", "pull", sp.host()+"/auth:v1"); r.code != 1 || !strings.Contains(r.stderr, "access denied") {
		t.Errorf("pull after logout: %v", r)
	}
}

// TestPullKilledMidway: a pull killed with SIGKILL in the middle of a layer
// leaves the store's names and blobs as they were; the next pull finishes
// without fetching again the layer it had verified, and asks only for the
// rest of the layer it was in the middle of.
func TestPullKilledMidway(t *testing.T) {
	sp := newSpoiler(t)
	layers := sp.push(t, "big:v1", 4<<20, 2)
	sp.set(func() { sp.slow = layers[1].String() })
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	before := visible(t, store)
	cmd := exec.Command(berthBin, "--root", store, "pull", sp.host()+"/big:v1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	staged := filepath.Join(store, "ingest", "pull-*", layers[0].Hex)
	partial := filepath.Join(store, "ingest", "pull-*", "part-*")
	eventually(t, 30*time.Second, "the first layer verified and the second under way", func() bool {
		a, _ := filepath.Glob(staged)
		b, _ := filepath.Glob(partial)
		if len(a) != 1 || len(b) != 1 {
			return false
		}
		fi, err := os.Stat(b[0])
		return err == nil && fi.Size() >= 256<<10
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if after := visible(t, store); after != before {
		t.Fatalf("killed pull changed the store:\n%s\nwas\n%s", after, before)
	}
	sp.set(func() { sp.slow = "" })
	okAt(t, store, "pull", sp.host()+"/big:v1")
	sp.set(func() {
		if n := sp.gets[layers[0].String()]; n != 1 {
			t.Errorf("the verified layer was fetched %d times, want once", n)
		}
		if r := sp.ranges[layers[1].String()]; len(r) != 2 || r[0] != "" || !strings.HasPrefix(r[1], "bytes=") || strings.HasPrefix(r[1], "bytes=0-") {
			t.Errorf("Range headers of the layer cut in the middle: %q, want the rest only the second time", r)
		}
	})
	if m, _ := filepath.Glob(filepath.Join(store, "ingest", "*")); len(m) != 0 {
		t.Errorf("ingest/ keeps %q after the resumed pull", m)
	}
	if out := okAt(t, store, "images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"); !regexp.MustCompile(`/big:v1 \d`).MatchString(out) {
		t.Errorf("images after the resumed pull: %q", out)
	}
}

// TestConcurrentPulls: two pulls of the same image at once into one store
// (the TUI and a shell, say) both succeed, whichever commits first.
func TestConcurrentPulls(t *testing.T) {
	sp := newSpoiler(t)
	ls := sp.push(t, "twice:v1", 1<<20, 2)
	sp.set(func() { sp.slow = ls[0].String() })
	store := tempStore(t)
	ref := sp.host() + "/twice:v1"
	first := exec.Command(berthBin, "--root", store, "pull", "-q", ref)
	var out1 bytes.Buffer
	first.Stdout, first.Stderr = &out1, &out1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the first pull under way", func() bool {
		m, _ := filepath.Glob(filepath.Join(store, "ingest", "pull-*", "part-*"))
		return len(m) > 0
	})
	// The second starts well behind: once the first has bytes of a layer.
	eventually(t, 10*time.Second, "the first pull's bytes on disk", func() bool {
		m, _ := filepath.Glob(filepath.Join(store, "ingest", "pull-*", "part-*"))
		for _, p := range m {
			if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
				return true
			}
		}
		return false
	})
	r := at(t, store, "", "", "pull", "-q", ref)
	if err := waitTimeout(first, 30*time.Second); err != nil {
		t.Errorf("first pull: %v\n%s", err, out1.String())
	}
	if r.code != 0 {
		t.Errorf("second pull: %v", r)
	}
	if out := okAt(t, store, "images", "--format", "{{.Repository}}:{{.Tag}}", ref); out != ref {
		t.Errorf("images after two pulls: %q", out)
	}
	if m, _ := filepath.Glob(filepath.Join(store, "ingest", "*")); len(m) != 0 {
		t.Errorf("ingest/ keeps %q after both pulls", m)
	}
}
