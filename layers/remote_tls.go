package layers

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/userconfig"
)

// DockerCertsDir is docker's directory of per-registry CAs:
// certs.d/HOST:PORT/ca.crt (and any other *.crt).
const DockerCertsDir = "/etc/docker/certs.d"

// CertsDirs are where a registry's CA is looked for when RemoteOptions
// does not say: docker's /etc/docker/certs.d, then berth's own
// ~/.config/berth/certs.d, same layout.
func CertsDirs() []string {
	dirs := []string{DockerCertsDir}
	if p := userconfig.Path("certs.d"); p != "" {
		dirs = append(dirs, p)
	}
	return dirs
}

// maxCAFile bounds a CA file read (a bundle of a few hundred certs).
const maxCAFile = 1 << 20

// tlsTransport gives each registry host its own transport, trusting the
// system's CAs, the CA file of RemoteOptions.TLSCA and the host's
// certs.d/HOST[:PORT]/*.crt — a CA given for one registry vouches for no
// other (docker's rule).
type tlsTransport struct {
	timeout time.Duration
	ca      []byte   // PEM of RemoteOptions.TLSCA, nil when none
	dirs    []string // certs.d directories

	mu    sync.Mutex // guards hosts only
	hosts map[string]http.RoundTripper
}

func (t *tlsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, err := t.host(req.URL.Host)
	if err != nil {
		return nil, err
	}
	return rt.RoundTrip(req)
}

func (t *tlsTransport) host(h string) (http.RoundTripper, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if rt, ok := t.hosts[h]; ok {
		return rt, nil
	}
	tr := DefaultTransport(t.timeout)
	pool, extra, err := t.pool(h)
	if err != nil {
		return nil, err
	}
	if extra {
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if t.hosts == nil {
		t.hosts = map[string]http.RoundTripper{}
	}
	t.hosts[h] = tr
	return tr, nil
}

// pool is the system's CAs plus those given for host; extra says whether
// there are any of the latter.
func (t *tlsTransport) pool(host string) (*x509.CertPool, bool, error) {
	var pems [][]byte
	if t.ca != nil {
		pems = append(pems, t.ca)
	}
	for _, d := range t.dirs {
		// A host name that could climb out of the directory has no CA.
		if host == "" || strings.ContainsAny(host, `/\`) || host == "." || host == ".." {
			break
		}
		files, _ := filepath.Glob(filepath.Join(d, host, "*.crt"))
		for _, f := range files {
			data, err := readCA(f)
			if err != nil {
				return nil, false, err
			}
			pems = append(pems, data)
		}
	}
	if len(pems) == 0 {
		return nil, false, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, p := range pems {
		pool.AppendCertsFromPEM(p)
	}
	return pool, true, nil
}

// LoadCA reads a PEM CA file given by the user, checking it has a
// certificate.
func LoadCA(path string) ([]byte, error) {
	data, err := readCA(path)
	if err != nil {
		return nil, err
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("CA file %s has no PEM certificate: %w", path, errdefs.ErrInvalid)
	}
	return data, nil
}

func readCA(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("CA file %s: %w", path, errdefs.ErrNotFound)
		}
		return nil, fmt.Errorf("CA file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	if err != nil {
		return nil, fmt.Errorf("CA file %s: %w", path, err)
	}
	if len(data) > maxCAFile {
		return nil, fmt.Errorf("CA file %s is larger than %d bytes: %w", path, maxCAFile, errdefs.ErrInvalid)
	}
	return data, nil
}
