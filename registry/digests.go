package registry

import (
	"net/http"

	"github.com/opencontainers/go-digest"
)

// Distribution keeps every blob under its sha256 digest. A blob pushed
// under another digest (sha512) is verified against it and reachable by
// it, but distribution names it by sha256 in Docker-Content-Digest and
// Location, and a mount of it links only the sha256 name. otherDigests
// makes the answers name the digest the client used, and turns a mount of
// such a blob into a plain upload (the spec lets a registry decline a
// mount with 202).
func otherDigests(w http.ResponseWriter, r *http.Request, rt route) (http.ResponseWriter, *http.Request) {
	q := r.URL.Query()
	if m := q.Get("mount"); m != "" && r.Method == http.MethodPost {
		if d, err := digest.Parse(m); err == nil && d.Algorithm() != digest.Canonical {
			q.Del("mount")
			q.Del("from")
			r.URL.RawQuery = q.Encode()
		}
		return w, r
	}
	want := q.Get("digest") // the upload's last PUT
	if rt.kind == routeBlob {
		want = rt.ref
	}
	d, err := digest.Parse(want)
	if err != nil || d.Algorithm() == digest.Canonical {
		return w, r
	}
	return &digestWriter{ResponseWriter: w, digest: d, location: "/v2/" + rt.repo + "/blobs/" + d.String(), upload: rt.kind == routeUpload}, r
}

type digestWriter struct {
	http.ResponseWriter
	digest   digest.Digest
	location string
	upload   bool
}

func (d *digestWriter) WriteHeader(code int) {
	if code >= 200 && code < 300 {
		d.Header().Set("Docker-Content-Digest", d.digest.String())
		if d.upload && code == http.StatusCreated {
			d.Header().Set("Location", d.location)
		}
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *digestWriter) Write(b []byte) (int, error) {
	// A handler that writes without WriteHeader means 200.
	if d.Header().Get("Docker-Content-Digest") != d.digest.String() {
		d.Header().Set("Docker-Content-Digest", d.digest.String())
	}
	return d.ResponseWriter.Write(b)
}

func (d *digestWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
