package layers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berthdev/berth/internal/errdefs"
)

// Limits on what a registry may send, and how long it may stay silent.
const (
	// MaxManifestSize bounds a manifest or index, as docker does (4 MiB).
	MaxManifestSize = 4 << 20
	// StallTimeout is the default of RemoteOptions.Timeout.
	StallTimeout = 30 * time.Second
)

// RemoteOptions configure Fetch, Push and the other registry calls.
type RemoteOptions struct {
	// Insecure lists registries ("host:port") reached over plain HTTP.
	// Loopback and private addresses always may be. The default is none.
	Insecure []string
	// Platform picks an image from a multi-platform index, "os/arch[/variant]".
	// The default is the host's (linux/GOARCH).
	Platform string
	// Keychain finds credentials. The default is the docker config file
	// ($DOCKER_CONFIG or ~/.docker/config.json) and its credential helpers.
	Keychain authn.Keychain
	// Progress is told about each blob transfer; calls are serialized.
	// The default is no reporting.
	Progress func(Progress)
	// Jobs is how many blobs move at once. The default is 4.
	Jobs int
	// Transport is the HTTP transport under authentication. The default is
	// DefaultTransport(Timeout).
	Transport http.RoundTripper
	// Timeout is how long a registry may stay silent: to connect, to
	// answer a request, or in the middle of a blob. A call that stalls is
	// not retried. The default is StallTimeout.
	Timeout time.Duration
	// TLSCA is PEM of CAs to trust, besides the system's, for the
	// registries of this call (LoadCA reads a file). The default is none.
	TLSCA []byte
	// CertsDirs hold per-registry CAs, docker's layout:
	// DIR/HOST:PORT/*.crt. The default is CertsDirs().
	CertsDirs []string
}

func (o RemoteOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return StallTimeout
}

// Progress is one step of a blob transfer, as docker's per-layer lines show.
type Progress struct {
	ID      string // short digest, 12 hex digits
	Action  string // "Waiting", "Downloading", "Pushing", "Verifying", "Already exists", "Download complete", "Pushed", "Layer already exists"
	Current int64  // bytes so far
	Total   int64  // blob size
}

// Progress actions.
const (
	ProgressWaiting     = "Waiting"
	ProgressDownloading = "Downloading"
	ProgressExists      = "Already exists"
	ProgressDownloaded  = "Download complete"
	ProgressPushing     = "Pushing"
	ProgressPushed      = "Pushed"
	ProgressRemoteHas   = "Layer already exists"
)

// reporter serializes Progress calls from concurrent transfers.
type reporter struct {
	mu sync.Mutex
	fn func(Progress)
}

func (r *reporter) report(p Progress) {
	if r == nil || r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fn(p)
}

// ParseRemoteRef parses a reference with docker's short-name rules,
// marking it insecure (plain HTTP allowed) when its registry is listed.
func ParseRemoteRef(s string, insecure []string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil || s == "" {
		return nil, fmt.Errorf("invalid reference format %q: %w", s, errdefs.ErrInvalid)
	}
	if slices.Contains(insecure, ref.Context().RegistryStr()) {
		return name.ParseReference(s, name.Insecure)
	}
	return ref, nil
}

// ParseRegistry parses a registry name ("localhost:5000"; "" or "docker.io"
// is Docker Hub), insecure when listed.
func ParseRegistry(s string, insecure []string) (name.Registry, error) {
	if s == "" || s == "docker.io" {
		s = name.DefaultRegistry
	}
	opts := []name.Option{name.StrictValidation}
	if slices.Contains(insecure, s) {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewRegistry(s, opts...)
	if err != nil {
		return name.Registry{}, fmt.Errorf("invalid registry name %q: %w", s, errdefs.ErrInvalid)
	}
	return r, nil
}

// platform is the platform to pick from an index.
func (o RemoteOptions) platform() (v1.Platform, error) {
	if o.Platform == "" {
		return v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	p, err := v1.ParsePlatform(o.Platform)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return v1.Platform{}, fmt.Errorf("invalid platform %q (want os/arch[/variant]): %w", o.Platform, errdefs.ErrInvalid)
	}
	return *p, nil
}

// remote is the go-containerregistry options for one operation.
func (o RemoteOptions) remote(ctx context.Context) ([]remote.Option, error) {
	p, err := o.platform()
	if err != nil {
		return nil, err
	}
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(o.transport()),
		remote.WithPlatform(p),
		remote.WithJobs(jobs),
		remote.WithUserAgent("berth"),
		remote.WithRetryBackoff(remote.Backoff{Duration: 300 * time.Millisecond, Factor: 3, Jitter: 0.1, Steps: 3}),
		remote.WithRetryPredicate(retryable),
	}, nil
}

// Transport is the base HTTP transport of registry calls: timeouts on
// connecting and on waiting for an answer, a bound on manifest sizes, and
// a stall timer on bodies.
func (o RemoteOptions) transport() http.RoundTripper {
	return limitTransport{o.BaseTransport(), o.timeout()}
}

// BaseTransport is the transport under authentication: Transport, or
// DefaultTransport trusting the CAs of TLSCA and CertsDirs.
func (o RemoteOptions) BaseTransport() http.RoundTripper {
	if o.Transport != nil {
		return o.Transport
	}
	dirs := o.CertsDirs
	if dirs == nil {
		dirs = CertsDirs()
	}
	return &tlsTransport{timeout: o.timeout(), ca: o.TLSCA, dirs: dirs}
}

// retryable says which failed requests are worth another try: a dropped
// connection, not a stall (which already waited long) nor a refusal.
func retryable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errdefs.Is(err, errdefs.ErrUnavailable) || errdefs.Is(err, errdefs.ErrInvalid) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// DefaultTransport is an HTTP transport with berth's registry timeouts:
// timeout to connect, to do the TLS handshake and to get an answer.
func DefaultTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
		ForceAttemptHTTP2:     true,
	}
}

// limitTransport refuses oversized manifests and stalled bodies.
type limitTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	limit := int64(-1)
	if strings.Contains(req.URL.Path, "/manifests/") && req.Method == http.MethodGet {
		limit = MaxManifestSize
		if resp.ContentLength > limit {
			resp.Body.Close()
			return nil, fmt.Errorf("manifest of %d bytes is larger than the %d-byte limit: %w", resp.ContentLength, limit, errdefs.ErrInvalid)
		}
	}
	resp.Body = newStallBody(resp.Body, limit, t.timeout)
	return resp, nil
}

// stallBody closes a body that sends nothing for StallTimeout, and fails
// one that goes beyond its limit (when not negative).
type stallBody struct {
	rc      io.ReadCloser
	timeout time.Duration
	timer   *time.Timer
	limit   int64
	read    int64
	mu      sync.Mutex
	stall   bool
}

func newStallBody(rc io.ReadCloser, limit int64, timeout time.Duration) *stallBody {
	b := &stallBody{rc: rc, limit: limit, timeout: timeout}
	b.timer = time.AfterFunc(timeout, func() {
		b.mu.Lock()
		b.stall = true
		b.mu.Unlock()
		rc.Close()
	})
	return b
}

func (b *stallBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.timer.Reset(b.timeout)
	b.read += int64(n)
	if b.limit >= 0 && b.read > b.limit {
		return n, fmt.Errorf("manifest is larger than the %d-byte limit: %w", b.limit, errdefs.ErrInvalid)
	}
	if err != nil && err != io.EOF {
		b.mu.Lock()
		stalled := b.stall
		b.mu.Unlock()
		if stalled {
			return n, fmt.Errorf("registry sent nothing for %s: %w", b.timeout, errdefs.ErrUnavailable)
		}
	}
	return n, err
}

func (b *stallBody) Close() error {
	b.timer.Stop()
	return b.rc.Close()
}

// remoteError classes an error of a registry call, naming the registry and
// the reference, in one line.
func remoteError(verb string, ref name.Reference, err error) error {
	return RegistryError(verb+" "+refString(ref), ref.Context().RegistryStr(), err)
}

// RegistryError classes an error of a call to registry reg; what says
// what was being done.
func RegistryError(what, reg string, err error) error {
	if errdefs.Is(err, errdefs.ErrInvalid) || errdefs.Is(err, errdefs.ErrNotFound) ||
		errdefs.Is(err, errdefs.ErrUnavailable) || errdefs.Is(err, errdefs.ErrPermission) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if strings.Contains(err.Error(), "Client sent an HTTP request to an HTTPS server") || errors.As(err, new(*tls.CertificateVerificationError)) {
		// Loopback and private registries are tried over HTTPS, then
		// plain HTTP: an untrusted certificate ends in the second.
		return fmt.Errorf("%s: registry %s serves TLS with a certificate berth does not trust (give its CA with --tls-ca FILE, or put it in %s/%s/ca.crt): %w", what, reg, DockerCertsDir, reg, errdefs.ErrUnavailable)
	}
	var te *transport.Error
	if errors.As(err, &te) {
		switch {
		case te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: registry %s: access denied (wrong credentials, or run berth login %s): %w", what, reg, reg, errdefs.ErrPermission)
		case te.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s: registry %s: %w", what, reg, errdefs.ErrNotFound)
		}
		return fmt.Errorf("%s: registry %s answered %d: %s: %w", what, reg, te.StatusCode, firstLine(te.Error()), errdefs.ErrUnavailable)
	}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: registry %s is not reachable (connection refused): %w", what, reg, errdefs.ErrUnavailable)
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: registry %s did not answer in time: %w", what, reg, errdefs.ErrUnavailable)
	case strings.Contains(err.Error(), "checksum") || strings.Contains(err.Error(), "digest"):
		return fmt.Errorf("%s: %s: %w", what, firstLine(err.Error()), errdefs.ErrInvalid)
	case strings.Contains(err.Error(), "no matching manifest"), strings.Contains(err.Error(), "no child with platform"):
		return fmt.Errorf("%s: %s: %w", what, firstLine(err.Error()), errdefs.ErrNotFound)
	case strings.Contains(err.Error(), "http: server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%s: registry %s speaks plain HTTP (add --insecure-registry %s): %w", what, reg, reg, errdefs.ErrUnavailable)
	}
	var oe *net.OpError
	if errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: registry %s: %s: %w", what, reg, firstLine(err.Error()), errdefs.ErrUnavailable)
	}
	return fmt.Errorf("%s: registry %s: %s", what, reg, firstLine(err.Error()))
}

// refString is a reference as the store names it (docker.io, not
// index.docker.io).
func refString(ref name.Reference) string {
	if full, err := NormalizeRef(ref.String()); err == nil {
		return full
	}
	return ref.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func shortHex(h v1.Hash) string {
	if len(h.Hex) > 12 {
		return h.Hex[:12]
	}
	return h.Hex
}
