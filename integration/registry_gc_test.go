package integration

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// blobExists says whether distribution's storage in dir holds a blob.
func blobExists(dir, hex string) bool {
	_, err := os.Stat(filepath.Join(dir, "storage", "docker", "registry", "v2", "blobs", "sha256", hex[:2], hex, "data"))
	return err == nil
}

// TestRegistryGC: `berth registry gc` removes the layers of a deleted
// image and an abandoned upload, keeps what a tag still names, and `ls
// --dir` reads the result without a server.
func TestRegistryGC(t *testing.T) {
	dir := t.TempDir()
	reg := serveRegistry(t, dir)
	kept := pushRandom(t, reg.addr+"/class/kept:v1")
	gone := pushRandom(t, reg.addr+"/class/gone:v1")
	gd, _ := gone.Digest()
	if err := remote.Delete(mustRef(t, fmt.Sprintf("%s/class/gone@%s", reg.addr, gd))); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if status, _, _ := call(t, http.MethodPost, "http://"+reg.addr+"/v2/class/kept/blobs/uploads/", "", ""); status != http.StatusAccepted {
		t.Fatalf("POST upload = %d", status)
	}
	reg.stop()

	kl, _ := kept.Layers()
	gl, _ := gone.Layers()
	kd, _ := kl[0].Digest()
	gdl, _ := gl[0].Digest()
	if !blobExists(dir, gdl.Hex) {
		t.Fatalf("the deleted image's layer is not on disk before gc")
	}
	store := tempStore(t)
	out := okAt(t, store, "registry", "gc", "--dir", dir, "--uploads-older-than", "1ms")
	if !strings.Contains(out, "1 abandoned uploads removed") {
		t.Errorf("gc output %q", out)
	}
	if blobExists(dir, gdl.Hex) {
		t.Error("gc kept the deleted image's layer")
	}
	if !blobExists(dir, kd.Hex) {
		t.Error("gc removed a layer a tag still names")
	}
	uploads, _ := filepath.Glob(filepath.Join(dir, "storage", "docker", "registry", "v2", "repositories", "class", "kept", "_uploads", "*"))
	if len(uploads) != 0 {
		t.Errorf("gc left uploads %q", uploads)
	}
	if ls := okAt(t, store, "registry", "ls", "--dir", dir); !strings.Contains(ls, "class/kept") || !strings.Contains(ls, "v1") {
		t.Errorf("registry ls --dir: %q", ls)
	}
	// What is left is served.
	reg = serveRegistry(t, dir)
	if _, err := remote.Image(mustRef(t, reg.addr+"/class/kept:v1")); err != nil {
		t.Errorf("after gc, kept:v1: %v", err)
	}
}
