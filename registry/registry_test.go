package registry

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// start serves cfg (on a free loopback port) until the test ends; stop
// ends it sooner and waits.
func start(t *testing.T, cfg Config) (info Info, stop func()) {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Info, 1)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, func(i Info) { ready <- i }) }()
	select {
	case info = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Serve(%+v) = %v", cfg, err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return info, stop
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
	info, stop := start(t, Config{Dir: dir})
	host := info.Addr
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

	info, stop = start(t, Config{Dir: dir}) // same directory, new server
	host = info.Addr
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
	stop()
	info, _ = start(t, Config{Dir: dir})
	if _, err := remote.Image(ref(t, info.Addr+"/class/app:v1")); err == nil {
		t.Error("after delete and restart, app:v1 is still there")
	}
	list, err := List(t.Context(), dir)
	if err != nil || len(list) != 2 || list[1].Name != "class/multi" || strings.Join(list[1].Tags, ",") != "latest" {
		t.Errorf("List = %+v, %v", list, err)
	}
}

// TestPrivateModes guards the umask: nothing the registry writes is
// readable by other users.
func TestPrivateModes(t *testing.T) {
	dir := t.TempDir()
	info, _ := start(t, Config{Dir: dir})
	img, _ := random.Image(1024, 1)
	if err := remote.Write(ref(t, info.Addr+"/a:v1"), img); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want no access for group and others", p, fi.Mode().Perm())
		}
		n++
		return nil
	})
	if n < 10 {
		t.Errorf("only %d files under %s", n, dir)
	}
}

func TestAuthentication(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(t.TempDir(), "htpasswd")
	if err := AddUser(pw, "teacher", []byte("s3cret")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(pw); fi.Mode().Perm() != 0o600 {
		t.Errorf("htpasswd mode %v, want 0600", fi.Mode().Perm())
	}
	info, _ := start(t, Config{Dir: dir, Htpasswd: pw, AnonymousPull: true})
	img, _ := random.Image(1024, 1)
	r := ref(t, info.Addr+"/class/app:v1")
	if err := remote.Write(r, img); err == nil {
		t.Error("anonymous push succeeded")
	}
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: "teacher", Password: "wrong"})); err == nil {
		t.Error("push with a wrong password succeeded")
	}
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: "teacher", Password: "s3cret"})); err != nil {
		t.Fatalf("push as teacher: %v", err)
	}
	// The right password is remembered for a while; a wrong one is not
	// let through by that memory.
	if err := remote.Write(r, img, remote.WithAuth(&authn.Basic{Username: "teacher", Password: "s3cret!"})); err == nil {
		t.Error("push with a wrong password after a right one succeeded")
	}
	if _, err := remote.Image(r); err != nil {
		t.Errorf("anonymous pull: %v", err)
	}
	if err := remote.Delete(r); err == nil {
		t.Error("anonymous delete succeeded")
	}
	// A referrers query is authorized like a pull, and refused to a
	// wrong password even when anonymous pulls are allowed.
	d, _ := img.Digest()
	req, _ := http.NewRequest(http.MethodGet, "http://"+info.Addr+"/v2/class/app/referrers/"+d.String(), nil)
	req.SetBasicAuth("teacher", "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("referrers with a wrong password = %d, want 401", resp.StatusCode)
	}
}

func TestLegacyDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "repositories", "class", "app", "_manifests"), 0o755)
	err := Serve(t.Context(), Config{Dir: dir, Addr: "127.0.0.1:0"}, nil)
	if err == nil || !strings.Contains(err.Error(), "older berth") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Serve(old layout) = %v, want a one-line refusal", err)
	}
}

func TestAddUserReplaces(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "htpasswd")
	for _, u := range []string{"a", "b", "a"} {
		if err := AddUser(pw, u, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	users, err := loadHtpasswd(pw)
	if err != nil || strings.Join(users, ",") != "b,a" {
		t.Errorf("users = %v, %v; want b,a", users, err)
	}
	for _, bad := range []string{"", "a:b", "a b", "x\n"} {
		if err := AddUser(pw, bad, []byte("x")); err == nil {
			t.Errorf("AddUser(%q) accepted", bad)
		}
	}
}
