package registry

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/registry/auth"
)

// The front's own decisions, each against a real registry (distribution
// over a temporary directory) where it needs one.

// do sends one request to the registry at host and returns the answer's
// status, headers and body.
func do(t *testing.T, method, url string, body []byte, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

// errorCode is the first code of a registry's error body.
func errorCode(body []byte) string {
	var e struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// TestParseRouteAsDistributionRoutes: the front recognises the routes it
// checks (manifests, referrers, uploads, blobs) as distribution's router
// does, the last separator winning (a repository may be named "blobs"),
// and no other path: a check is never skipped for a path distribution
// would serve, nor made on one it would not.
func TestParseRouteAsDistributionRoutes(t *testing.T) {
	for _, tt := range []struct {
		path string
		want route
	}{
		{"/v2/a/b/manifests/v1", route{routeManifest, "a/b", "v1"}},
		{"/v2/a/manifests/sha256:00", route{routeManifest, "a", "sha256:00"}},
		{"/v2/manifests/manifests/v1", route{routeManifest, "manifests", "v1"}},
		{"/v2/a/referrers/sha256:00", route{routeReferrers, "a", "sha256:00"}},
		{"/v2/a/blobs/uploads/", route{routeUpload, "a", ""}},
		{"/v2/a/blobs/uploads", route{routeUpload, "a", ""}},
		{"/v2/a/blobs/uploads/some-uuid", route{routeUpload, "a", "some-uuid"}},
		{"/v2/a/blobs/sha256:00", route{routeBlob, "a", "sha256:00"}},
		{"/v2/blobs/blobs/sha256:00", route{routeBlob, "blobs", "sha256:00"}},
		{"/v2/a/blobs/uploadsx", route{routeBlob, "a", "uploadsx"}},
		{"/v2/a/manifests/", route{}},
		{"/v2/a/manifests/v1/extra", route{}},
		{"/v2/a/blobs/uploads/id/more", route{}},
		{"/v2/manifests/v1", route{}},
		{"/v2//manifests/v1", route{}},
		{"/v2//blobs/uploads/", route{}},
		{"/v2/", route{}},
		{"/v2/_catalog", route{}},
		{"/v3/a/manifests/v1", route{}},
		{"/a/manifests/v1", route{}},
	} {
		if got := parseRoute(tt.path); got != tt.want {
			t.Errorf("parseRoute(%s) = %+v, want %+v", tt.path, got, tt.want)
		}
	}
}

// TestManifestRouteRefusesBadNameAndReference: a manifest request for a
// name or reference the distribution spec does not allow is a 400 with
// the spec's code (NAME_INVALID, TAG_INVALID), digest included: a digest
// of the wrong hex length is not a reference; a well-formed one that is
// absent is a 404.
func TestManifestRouteRefusesBadNameAndReference(t *testing.T) {
	info, _ := start(t, Config{Dir: t.TempDir()})
	base := "http://" + info.Addr + "/v2/"
	good := "sha256:" + strings.Repeat("ab", 32)
	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"class/App/manifests/v1", 400, "NAME_INVALID"},
		{"class//app/manifests/v1", 400, "NAME_INVALID"},
		{"class/app/manifests/-v1", 400, "TAG_INVALID"},
		{"class/app/manifests/" + strings.Repeat("t", 129), 400, "TAG_INVALID"},
		{"class/app/manifests/sha256:abcd", 400, "TAG_INVALID"},
		{"class/app/manifests/" + good + "00", 400, "TAG_INVALID"},
		{"class/app/manifests/" + good, 404, "MANIFEST_UNKNOWN"},
		{"class/app/manifests/" + strings.Repeat("t", 128), 404, "MANIFEST_UNKNOWN"},
		{"class/app/manifests/v1", 404, "MANIFEST_UNKNOWN"},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPut} {
			if method == http.MethodPut && tt.status == 404 {
				continue
			}
			status, _, body := do(t, method, base+tt.path, []byte("{}"), nil)
			if status != tt.status || errorCode(body) != tt.code {
				t.Errorf("%s %s = %d %s, want %d %s", method, tt.path, status, body, tt.status, tt.code)
			}
		}
	}
}

// startUpload opens an upload in repo and returns its absolute location
// with the separator a further query parameter takes.
func startUpload(t *testing.T, addr, repo string) string {
	t.Helper()
	status, h, body := do(t, http.MethodPost, "http://"+addr+"/v2/"+repo+"/blobs/uploads/", nil, nil)
	if status != http.StatusAccepted {
		t.Fatalf("POST upload in %s = %d %s", repo, status, body)
	}
	loc := h.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = "http://" + addr + loc
	}
	if strings.Contains(loc, "?") {
		return loc + "&"
	}
	return loc + "?"
}

// upload pushes blob to repo under digest d (POST, then one PUT) and
// returns the PUT's answer.
func upload(t *testing.T, addr, repo, d string, blob []byte) (int, http.Header) {
	t.Helper()
	status, h, _ := do(t, http.MethodPut, startUpload(t, addr, repo)+"digest="+d, blob, map[string]string{"Content-Type": "application/octet-stream"})
	return status, h
}

// TestBlobOfOtherDigestNamedAsAsked: a blob pushed under a sha512 digest
// is answered under that digest (Docker-Content-Digest, Location), on
// upload and on every read; a mount of it from another repository is
// declined (202: upload it) rather than linked under a name it does not
// have, while a sha256 blob mounts (201).
func TestBlobOfOtherDigestNamedAsAsked(t *testing.T) {
	info, _ := start(t, Config{Dir: t.TempDir()})
	base := "http://" + info.Addr + "/v2/"
	blob := []byte("a blob named by its sha512")
	s512 := sha512.Sum512(blob)
	d512 := "sha512:" + hex.EncodeToString(s512[:])
	s256 := sha256.Sum256(blob)
	d256 := "sha256:" + hex.EncodeToString(s256[:])

	status, h := upload(t, info.Addr, "src", d512, blob)
	if status != http.StatusCreated || h.Get("Docker-Content-Digest") != d512 || h.Get("Location") != "/v2/src/blobs/"+d512 {
		t.Fatalf("upload under %s = %d %v, want 201 naming it", d512, status, h)
	}
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		status, h, body := do(t, method, base+"src/blobs/"+d512, nil, nil)
		if status != http.StatusOK || h.Get("Docker-Content-Digest") != d512 {
			t.Errorf("%s of the blob = %d %v, want 200 naming %s", method, status, h, d512)
		}
		if method == http.MethodGet && !bytes.Equal(body, blob) {
			t.Errorf("GET of the blob = %q", body)
		}
	}
	// Chunked: a PATCH of the bytes, then the PUT naming the digest.
	loc := startUpload(t, info.Addr, "chunked")
	status, h, body := do(t, http.MethodPatch, strings.TrimRight(loc, "?&"), blob, map[string]string{"Content-Type": "application/octet-stream"})
	if status != http.StatusAccepted {
		t.Fatalf("PATCH = %d %s", status, body)
	}
	next := h.Get("Location")
	if !strings.HasPrefix(next, "http") {
		next = "http://" + info.Addr + next
	}
	if strings.Contains(next, "?") {
		next += "&"
	} else {
		next += "?"
	}
	status, h, body = do(t, http.MethodPut, next+"digest="+d512, nil, nil)
	if status != http.StatusCreated || h.Get("Docker-Content-Digest") != d512 || h.Get("Location") != "/v2/chunked/blobs/"+d512 {
		t.Errorf("PUT closing the upload under %s = %d %v %s", d512, status, h, body)
	}

	status, h, _ = do(t, http.MethodPost, base+"dst/blobs/uploads/?mount="+d512+"&from=src", nil, nil)
	if status != http.StatusAccepted || h.Get("Docker-Content-Digest") == d512 {
		t.Errorf("mount of a sha512 blob = %d %v, want 202 (upload it) and no digest claimed", status, h)
	}
	if status, _, _ := do(t, http.MethodHead, base+"dst/blobs/"+d512, nil, nil); status != http.StatusNotFound {
		t.Errorf("the declined mount linked the blob: HEAD = %d", status)
	}

	// The same bytes under sha256 mount as distribution mounts them.
	if status, h := upload(t, info.Addr, "src", d256, blob); status != http.StatusCreated || h.Get("Docker-Content-Digest") != d256 {
		t.Fatalf("upload under %s = %d %v", d256, status, h)
	}
	status, h, _ = do(t, http.MethodPost, base+"dst/blobs/uploads/?mount="+d256+"&from=src", nil, nil)
	if status != http.StatusCreated || h.Get("Docker-Content-Digest") != d256 {
		t.Errorf("mount of a sha256 blob = %d %v, want 201", status, h)
	}
}

// manifestOfSize is an OCI image manifest (of an empty config) padded
// with an annotation to exactly n bytes.
func manifestOfSize(t *testing.T, n int, subject string) []byte {
	t.Helper()
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2},
		"layers":        []any{},
		"annotations":   map[string]string{"pad": ""},
	}
	if subject != "" {
		m["subject"] = map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject, "size": 2}
	}
	data, _ := json.Marshal(m)
	if n == 0 {
		return data
	}
	m["annotations"] = map[string]string{"pad": strings.Repeat("p", n-len(data))}
	data, _ = json.Marshal(m)
	if len(data) != n {
		t.Fatalf("manifest of %d bytes, want %d", len(data), n)
	}
	return data
}

// TestPutManifestChecks: a manifest of up to 4 MiB is stored whole; one
// byte more is refused with the spec's 413; a schemaVersion other than 2
// is a 400 (distribution would answer 500); a manifest with a subject is
// answered with OCI-Subject, as the referrers API requires.
func TestPutManifestChecks(t *testing.T) {
	info, _ := start(t, Config{Dir: t.TempDir()})
	base := "http://" + info.Addr + "/v2/app/"
	ct := map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
	empty := []byte("{}")
	s := sha256.Sum256(empty)
	if status, _ := upload(t, info.Addr, "app", "sha256:"+hex.EncodeToString(s[:]), empty); status != http.StatusCreated {
		t.Fatalf("upload of the empty config = %d", status)
	}

	exact := manifestOfSize(t, maxManifestSize, "")
	status, h, body := do(t, http.MethodPut, base+"manifests/big", exact, ct)
	sum := sha256.Sum256(exact)
	if status != http.StatusCreated || h.Get("Docker-Content-Digest") != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("PUT of a manifest of exactly %d bytes = %d %s %s, want 201 with its digest", maxManifestSize, status, h.Get("Docker-Content-Digest"), body)
	}
	status, _, body = do(t, http.MethodPut, base+"manifests/bigger", manifestOfSize(t, maxManifestSize+1, ""), ct)
	if status != http.StatusRequestEntityTooLarge || errorCode(body) != "SIZE_INVALID" {
		t.Errorf("PUT of a manifest of %d bytes = %d %s, want 413 SIZE_INVALID", maxManifestSize+1, status, body)
	}

	for _, bad := range []string{`{"schemaVersion":1}`, `{"mediaType":"application/vnd.oci.image.manifest.v1+json"}`} {
		status, _, body = do(t, http.MethodPut, base+"manifests/old", []byte(bad), ct)
		if status != http.StatusBadRequest || errorCode(body) != "MANIFEST_INVALID" {
			t.Errorf("PUT of %s = %d %s, want 400 MANIFEST_INVALID", bad, status, body)
		}
	}

	plain := manifestOfSize(t, 0, "")
	status, h, _ = do(t, http.MethodPut, base+"manifests/plain", plain, ct)
	if status != http.StatusCreated || h.Get("OCI-Subject") != "" {
		t.Errorf("PUT of a manifest without a subject = %d, OCI-Subject %q", status, h.Get("OCI-Subject"))
	}
	ps := sha256.Sum256(plain)
	subject := "sha256:" + hex.EncodeToString(ps[:])
	status, h, _ = do(t, http.MethodPut, base+"manifests/sig", manifestOfSize(t, 0, subject), ct)
	if status != http.StatusCreated || h.Get("OCI-Subject") != subject {
		t.Errorf("PUT of a manifest with a subject = %d, OCI-Subject %q, want %s", status, h.Get("OCI-Subject"), subject)
	}
}

// TestStalledBodyIsCut: a client that stops sending a request body has
// its connection closed once the body has been silent for StallTimeout,
// instead of holding a connection and an upload slot for the hour a whole
// request may take.
func TestStalledBodyIsCut(t *testing.T) {
	info, _ := start(t, Config{Dir: t.TempDir(), StallTimeout: 200 * time.Millisecond})
	patch := strings.TrimRight(strings.TrimPrefix(startUpload(t, info.Addr, "app"), "http://"+info.Addr), "?&")
	for _, req := range [][2]string{{"PUT", "/v2/app/manifests/v1"}, {"PATCH", patch}} {
		c, err := net.Dial("tcp", info.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n{", req[0], req[1], info.Addr)
		// The server must end this; the test's deadline is far past the
		// stall timeout and only stops a hang.
		c.SetReadDeadline(time.Now().Add(60 * time.Second))
		_, err = io.Copy(io.Discard, bufio.NewReader(c))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s %s with a stalled body: the connection was still open after 60 s", req[0], req[1])
		}
		c.Close()
	}
}

// TestPullOnlyAccess: with anonymous pulls allowed, a request without
// credentials passes only when everything it asks is a read: a pull of a
// repository, the catalog, or the API's base; a push, a delete or any
// other resource needs a user.
func TestPullOnlyAccess(t *testing.T) {
	repo := func(action string) auth.Access { return access("class/app", action) }
	catalog := auth.Access{Resource: auth.Resource{Type: "registry", Name: "catalog"}, Action: "*"}
	for _, tt := range []struct {
		access []auth.Access
		want   bool
	}{
		{nil, true},
		{[]auth.Access{repo("pull")}, true},
		{[]auth.Access{catalog}, true},
		{[]auth.Access{repo("pull"), catalog}, true},
		{[]auth.Access{repo("push")}, false},
		{[]auth.Access{repo("pull"), repo("push")}, false},
		{[]auth.Access{repo("delete")}, false},
		{[]auth.Access{repo("*")}, false},
		{[]auth.Access{{Resource: auth.Resource{Type: "registry", Name: "catalog"}, Action: "push"}}, false},
		{[]auth.Access{{Resource: auth.Resource{Type: "registry", Name: "other"}, Action: "*"}}, false},
		{[]auth.Access{{Resource: auth.Resource{Type: "repository", Name: "catalog"}, Action: "*"}}, false},
	} {
		if got := pullOnly(tt.access); got != tt.want {
			t.Errorf("pullOnly(%+v) = %v, want %v", tt.access, got, tt.want)
		}
	}
}

// TestCredentialCacheRemembersAndIsBounded: a checked user and password
// are remembered (the next request skips bcrypt), several at once, and
// the memory never holds more than maxCredCache entries.
func TestCredentialCacheRemembersAndIsBounded(t *testing.T) {
	ac := &accessController{key: []byte("k"), ok: map[[32]byte]time.Time{}}
	a, b := ac.credKey("teacher", "s3cret"), ac.credKey("student", "pw")
	if ac.cached(a) {
		t.Fatal("a credential never checked is cached")
	}
	ac.remember(a)
	ac.remember(b)
	if !ac.cached(a) || !ac.cached(b) {
		t.Errorf("after two checked credentials: cached %v, %v, want both", ac.cached(a), ac.cached(b))
	}
	if ac.credKey("teacher", "s3cret!") == a || ac.credKey("teache", "rs3cret") == a {
		t.Error("another user or password has the same cache key")
	}
	for i := 0; i < 3*maxCredCache; i++ {
		ac.remember(ac.credKey(fmt.Sprint("u", i), "p"))
		if len(ac.ok) > maxCredCache {
			t.Fatalf("the cache holds %d credentials, more than %d", len(ac.ok), maxCredCache)
		}
	}
}
