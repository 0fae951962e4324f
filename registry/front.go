package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/distribution/distribution/v3/registry/auth"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// maxManifestSize bounds a manifest body, as distribution does (4 MiB).
const maxManifestSize = 4 << 20

// front is what berth puts before distribution's application: the upload
// limit, the stall deadline on request bodies, the referrers API and the
// OCI-Subject header distribution v3 lacks. It holds no lock across I/O:
// the upload limit is a semaphore taken without waiting.
type front struct {
	next    http.Handler
	store   *store
	auth    *accessController // nil: no authentication
	uploads chan struct{}     // one token per upload request in progress
	stall   time.Duration
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &stallReader{rc: r.Body, ctl: http.NewResponseController(w), stall: f.stall, end: time.Now().Add(maxRequestTime)}
	}
	route := parseRoute(r.URL.Path)
	switch {
	case route.kind == routeReferrers:
		f.referrers(w, r, route)
		return
	case route.kind == routeUpload && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodDelete:
		if !f.takeUpload(w) {
			return
		}
		defer f.releaseUpload()
		w, r = otherDigests(w, r, route)
	case route.kind == routeBlob:
		w, r = otherDigests(w, r, route)
	case route.kind == routeManifest:
		// Distribution's router answers a plain-text 404 to names and
		// references it cannot route; the spec's answer is a 400.
		if _, err := reference.WithName(route.repo); err != nil {
			serveError(w, errcode.ErrorCodeNameInvalid.WithDetail(route.repo))
			return
		}
		if !tagPattern.MatchString(route.ref) {
			if _, err := digest.Parse(route.ref); err != nil {
				serveError(w, errcode.ErrorCodeTagInvalid.WithDetail(route.ref))
				return
			}
		}
		if r.Method == http.MethodPut {
			f.putManifest(w, r, route)
			return
		}
	}
	f.next.ServeHTTP(w, r)
}

// putManifest reads the manifest (bounded) and hands it to distribution,
// adding the OCI-Subject header to its 201 when the manifest has a
// subject: distribution v3 stores the field but does not say so.
func (f *front) putManifest(w http.ResponseWriter, r *http.Request, rt route) {
	// Only a user who may push gets a body read, and as many at once
	// as uploads.
	if !f.authorize(w, r, access(rt.repo, "pull"), access(rt.repo, "push")) {
		return
	}
	if !f.takeUpload(w) {
		return
	}
	defer f.releaseUpload()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifestSize+1))
	if err != nil {
		serveError(w, errcode.ErrorCodeManifestInvalid.WithMessage("reading the manifest: "+err.Error()))
		return
	}
	if len(body) > maxManifestSize {
		// The spec's answer to a manifest too large: 413.
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		json.NewEncoder(w).Encode(errcode.Errors{errcode.ErrorCodeSizeInvalid.WithMessage(fmt.Sprintf("manifest larger than %d bytes", maxManifestSize))})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	var m struct {
		SchemaVersion *int `json:"schemaVersion"`
		Subject       *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
	}
	err = json.Unmarshal(body, &m)
	if err == nil && (m.SchemaVersion == nil || *m.SchemaVersion != 2) {
		// Distribution answers 500 to a schema it does not know.
		serveError(w, errcode.ErrorCodeManifestInvalid.WithMessage("manifest schemaVersion is not 2"))
		return
	}
	if err == nil && m.Subject != nil && m.Subject.Digest != "" {
		w = &subjectWriter{ResponseWriter: w, subject: m.Subject.Digest}
	}
	f.next.ServeHTTP(w, r)
}

// takeUpload counts a request that writes to disk; false means there are
// too many already and the answer (429) was written.
func (f *front) takeUpload(w http.ResponseWriter) bool {
	select {
	case f.uploads <- struct{}{}:
		return true
	default:
		w.Header().Set("Retry-After", "10")
		serveError(w, errcode.ErrorCodeTooManyRequests.WithMessage(fmt.Sprintf("more than %d uploads in progress", cap(f.uploads))))
		return false
	}
}

func (f *front) releaseUpload() { <-f.uploads }

type subjectWriter struct {
	http.ResponseWriter
	subject string
}

func (s *subjectWriter) WriteHeader(code int) {
	if code == http.StatusCreated {
		s.Header().Set("OCI-Subject", s.subject)
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *subjectWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// authorize checks access for a route distribution does not know; false
// means the answer was written.
func (f *front) authorize(w http.ResponseWriter, r *http.Request, access ...auth.Access) bool {
	if f.auth == nil {
		return true
	}
	_, err := f.auth.Authorized(r, access...)
	if err == nil {
		return true
	}
	var ch auth.Challenge
	if errors.As(err, &ch) {
		ch.SetHeaders(r, w)
		serveError(w, errcode.ErrorCodeUnauthorized.WithDetail(nil))
		return false
	}
	serveError(w, errcode.ErrorCodeUnknown.WithMessage(err.Error()))
	return false
}

func access(repo, action string) auth.Access {
	return auth.Access{Resource: auth.Resource{Type: "repository", Name: repo}, Action: action}
}

func serveError(w http.ResponseWriter, err error) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	errcode.ServeJSON(w, err)
}

// stallReader closes the connection of a request whose body sends nothing
// for stall (and of any past its end): each Read moves the connection's
// read deadline.
type stallReader struct {
	rc    io.ReadCloser
	ctl   *http.ResponseController
	stall time.Duration
	end   time.Time
}

func (s *stallReader) Read(p []byte) (int, error) {
	d := time.Now().Add(s.stall)
	if d.After(s.end) {
		d = s.end
	}
	s.ctl.SetReadDeadline(d)
	return s.rc.Read(p)
}

func (s *stallReader) Close() error { return s.rc.Close() }

// tagPattern is the distribution spec's tag.
var tagPattern = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// Routes front looks at.
const (
	routeOther = iota
	routeManifest
	routeUpload
	routeReferrers
	routeBlob
)

type route struct {
	kind      int
	repo, ref string
}

// parseRoute finds /v2/<name>/manifests/<ref>, /v2/<name>/referrers/<ref>
// and /v2/<name>/blobs/uploads[/<id>], as distribution's router would
// (the last match, a reference without a slash). Names are checked by
// whoever serves the route.
func parseRoute(p string) route {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return route{}
	}
	for _, k := range []struct {
		sep  string
		kind int
	}{{"/manifests/", routeManifest}, {"/referrers/", routeReferrers}, {"/blobs/uploads", routeUpload}, {"/blobs/", routeBlob}} {
		i := strings.LastIndex(rest, k.sep)
		if i <= 0 {
			continue
		}
		ref := rest[i+len(k.sep):]
		if k.kind == routeUpload {
			var cut bool
			if ref, cut = strings.CutPrefix(ref, "/"); !cut && ref != "" {
				continue
			}
		}
		if (ref == "" && k.kind != routeUpload) || strings.Contains(ref, "/") {
			continue
		}
		return route{kind: k.kind, repo: rest[:i], ref: ref}
	}
	return route{}
}
