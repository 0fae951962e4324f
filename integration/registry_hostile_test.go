package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	ggname "github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// call makes one request and returns the status and the first error code
// of the body ("" when none).
func call(t *testing.T, method, url, ctype, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var e struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &e)
	code := ""
	if len(e.Errors) > 0 {
		code = e.Errors[0].Code
	}
	return resp.StatusCode, code, resp.Header
}

func pushRandom(t *testing.T, ref string) v1.Image {
	t.Helper()
	img, _ := random.Image(4096, 2)
	r, _ := ggname.ParseReference(ref)
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("remote.Write(%s) = %v", ref, err)
	}
	return img
}

// rssKiB is a process's resident set size.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestRegistryHostile probes `berth registry serve` as a hostile client on
// the LAN would. Each probe gets the spec's error code, and the registry
// keeps serving others meanwhile and after a restart.
func TestRegistryHostile(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--stall-timeout", "2s"}
	reg := serveRegistry(t, dir, args...)
	base := "http://" + reg.addr
	good := pushRandom(t, reg.addr+"/class/good:v1")
	parent := t
	restart := func(t *testing.T) {
		t.Helper()
		reg.stop()
		reg = serveRegistry(parent, dir, append(args, "--addr", reg.addr)...)
		if _, err := remote.Image(mustRef(t, reg.addr+"/class/good:v1")); err != nil {
			t.Fatalf("after a restart, class/good:v1: %v", err)
		}
	}
	const oci = "application/vnd.oci.image.manifest.v1+json"

	t.Run("slow body", func(t *testing.T) {
		_, _, h := call(t, http.MethodPost, base+"/v2/hostile/slow/blobs/uploads/", "", "")
		conn, err := net.Dial("tcp", reg.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nhello", h.Get("Location"), reg.addr)
		// Others push meanwhile: nothing waits for the slow body.
		pushRandom(t, reg.addr+"/class/other:v1")
		// The registry closes the stalled connection (2 s here).
		conn.SetReadDeadline(time.Now().Add(time.Minute))
		_, err = io.ReadAll(conn)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the registry kept a stalled request body open")
		}
	})

	t.Run("huge content-length", func(t *testing.T) {
		conn, err := net.Dial("tcp", reg.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "PUT /v2/hostile/huge/manifests/v1 HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", reg.addr, oci, int64(1)<<40)
		go func() {
			chunk := []byte(strings.Repeat(" ", 64<<10))
			for range 80 { // 5 MiB, more than a manifest may be
				if _, err := conn.Write(chunk); err != nil {
					return
				}
			}
		}()
		conn.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("PUT of a manifest declaring 1 TiB = %d, want 413", resp.StatusCode)
		}
		if code, _, _ := call(t, http.MethodGet, base+"/v2/hostile/huge/manifests/v1", "", ""); code != http.StatusNotFound {
			t.Errorf("the refused manifest is served: %d", code)
		}
	})

	t.Run("abandoned chunked upload", func(t *testing.T) {
		before := rssKiB(t, reg.cmd.Process.Pid)
		_, _, h := call(t, http.MethodPost, base+"/v2/hostile/abandoned/blobs/uploads/", "", "")
		const size = 256 << 20
		req, err := http.NewRequest(http.MethodPatch, h.Get("Location"), io.LimitReader(zeros{}, size))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("PATCH of 256 MiB = %d", resp.StatusCode)
		}
		grown := rssKiB(t, reg.cmd.Process.Pid) - before
		t.Logf("RSS grew by %d KiB for a 256 MiB upload", grown)
		if grown > 64<<10 {
			t.Errorf("RSS grew by %d MiB for an abandoned 256 MiB upload, want under 64", grown>>10)
		}
		// It went to disk, not memory, and only the user may read it.
		found := false
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Size() == size {
				found = true
				if fi.Mode().Perm()&0o077 != 0 {
					t.Errorf("upload %s has mode %v", p, fi.Mode().Perm())
				}
			}
			return nil
		})
		if !found {
			t.Error("no 256 MiB file on disk")
		}
		restart(t)
	})

	t.Run("invalid manifests", func(t *testing.T) {
		missing := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%064d","size":3},"layers":[]}`, oci, 1)
		d, _ := good.Digest()
		missingChild := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":%q,"digest":"%s","size":1},{"mediaType":%q,"digest":"sha256:%064d","size":1}]}`, oci, d, oci, 2)
		for _, tt := range []struct{ name, ctype, body, code string }{
			{"truncated", oci, "{", "MANIFEST_INVALID"},
			{"not json", oci, "hello", "MANIFEST_INVALID"},
			{"empty object", oci, "{}", "MANIFEST_INVALID"},
			{"missing blob", oci, missing, "MANIFEST_BLOB_UNKNOWN"},
			{"missing child", "application/vnd.oci.image.index.v1+json", missingChild, "MANIFEST_BLOB_UNKNOWN"},
		} {
			status, code, _ := call(t, http.MethodPut, base+"/v2/class/good/manifests/bad", tt.ctype, tt.body)
			if status != http.StatusBadRequest || code != tt.code {
				t.Errorf("%s: PUT = %d %s, want 400 %s", tt.name, status, code, tt.code)
			}
		}
		if status, _, _ := call(t, http.MethodGet, base+"/v2/class/good/manifests/bad", "", ""); status != http.StatusNotFound {
			t.Errorf("a refused manifest is served: %d", status)
		}
		restart(t)
	})

	t.Run("odd names and tags", func(t *testing.T) {
		for _, tt := range []struct{ path, code string }{
			{"/v2/class/good/manifests/a%20b", "TAG_INVALID"},
			{"/v2/class/good/manifests/-dash", "TAG_INVALID"},
			{"/v2/class/good/manifests/" + strings.Repeat("x", 129), "TAG_INVALID"},
			{"/v2/Class/Good/manifests/v1", "NAME_INVALID"},
			{"/v2/class/_good/manifests/v1", "NAME_INVALID"},
		} {
			status, code, _ := call(t, http.MethodPut, base+tt.path, oci, "{}")
			if status != http.StatusBadRequest || code != tt.code {
				t.Errorf("PUT %s = %d %s, want 400 %s", tt.path, status, code, tt.code)
			}
		}
		restart(t)
	})

	t.Run("delete of a referenced manifest", func(t *testing.T) {
		child, _ := random.Image(1024, 1)
		idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: child})
		if err := remote.WriteIndex(mustRef(t, reg.addr+"/class/multi:v1"), idx); err != nil {
			t.Fatal(err)
		}
		cd, _ := child.Digest()
		if status, _, _ := call(t, http.MethodDelete, base+"/v2/class/multi/manifests/"+cd.String(), "", ""); status != http.StatusAccepted {
			t.Errorf("DELETE of the child = %d, want 202", status)
		}
		restart(t)
		if status, _, _ := call(t, http.MethodGet, base+"/v2/class/multi/manifests/v1", "", ""); status != http.StatusOK {
			t.Errorf("after a restart the index = %d, want 200", status)
		}
		if status, code, _ := call(t, http.MethodGet, base+"/v2/class/multi/manifests/"+cd.String(), "", ""); status != http.StatusNotFound || code != "MANIFEST_UNKNOWN" {
			t.Errorf("after a restart the deleted child = %d %s, want 404 MANIFEST_UNKNOWN", status, code)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func mustRef(t *testing.T, s string) ggname.Reference {
	t.Helper()
	r, err := ggname.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
