package registry

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"

	// The one storage driver berth serves from.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// Config is how a registry is served. The zero value (with Dir set) serves
// on DefaultAddr, without authentication or TLS.
type Config struct {
	// Addr is the address to listen on. The default is DefaultAddr.
	Addr string
	// Dir holds the registry's blobs and metadata. Required.
	Dir string
	// Htpasswd is a bcrypt htpasswd file (see AddUser). Without one, every
	// client may push and pull. The default is none.
	Htpasswd string
	// AnonymousPull lets clients without credentials pull (and list)
	// when Htpasswd is set; pushing and deleting still need a user. The
	// default is false.
	AnonymousPull bool
	// TLSCert and TLSKey are PEM files of a certificate and its key.
	// The default is plain HTTP.
	TLSCert, TLSKey string
	// TLSSelfSigned serves TLS with a certificate generated and kept in
	// Dir (see SelfSigned). The default is false.
	TLSSelfSigned bool
	// MaxUploads bounds blob uploads in progress at once; more are
	// answered 429. The default is DefaultMaxUploads.
	MaxUploads int
	// StallTimeout is how long a request body may send nothing before
	// its connection is closed. The default is DefaultStallTimeout.
	StallTimeout time.Duration
	// UploadExpiry is the age after which an unfinished upload is
	// removed. The default is DefaultUploadExpiry.
	UploadExpiry time.Duration
	// Log receives one line per request and the registry's own log. The
	// default is none.
	Log io.Writer
}

// Defaults of Config.
const (
	DefaultAddr         = "127.0.0.1:5000"
	DefaultMaxUploads   = 64
	DefaultStallTimeout = 60 * time.Second
	DefaultUploadExpiry = 6 * time.Hour
)

// Server timeouts. A whole request may take up to maxRequestTime (a large
// layer on a slow link), but never stall for StallTimeout.
const (
	readHeaderTimeout = 10 * time.Second
	maxRequestTime    = time.Hour
	idleTimeout       = 2 * time.Minute
)

// Info is what a started registry tells its caller.
type Info struct {
	Addr        string // host:port listened on
	TLS         bool
	Fingerprint string // SHA-256 of the certificate, with TLS
	CertFile    string // the certificate clients should trust, with TLS
	Warnings    []string
}

// Serve runs the registry cfg describes until ctx ends. ready, if not nil,
// is called once it listens.
func Serve(ctx context.Context, cfg Config, ready func(Info)) error {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.MaxUploads <= 0 {
		cfg.MaxUploads = DefaultMaxUploads
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	if cfg.UploadExpiry <= 0 {
		cfg.UploadExpiry = DefaultUploadExpiry
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("registry: --tls-cert and --tls-key go together")
	}
	if cfg.TLSCert != "" && cfg.TLSSelfSigned {
		return errors.New("registry: --tls-self-signed and --tls-cert exclude each other")
	}
	if cfg.AnonymousPull && cfg.Htpasswd == "" {
		return errors.New("registry: --anonymous-pull needs --htpasswd (without it everyone may pull and push)")
	}
	// Everything the registry writes is for the serving user alone: the
	// filesystem driver creates 0777 directories and 0666 files.
	restrictUmask()
	if err := Prepare(cfg.Dir); err != nil {
		return err
	}
	if cfg.Htpasswd != "" {
		if _, err := loadHtpasswd(cfg.Htpasswd); err != nil {
			return fmt.Errorf("registry: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("registry: listening on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	info := Info{Addr: ln.Addr().String()}
	if cfg.Htpasswd == "" && !loopback(ln.Addr()) {
		info.Warnings = append(info.Warnings, fmt.Sprintf("warning: %s is reachable from other hosts and anyone there may push and delete images (use --htpasswd)", info.Addr))
	}
	if cfg.Htpasswd != "" && cfg.TLSCert == "" && !cfg.TLSSelfSigned && !loopback(ln.Addr()) {
		info.Warnings = append(info.Warnings, fmt.Sprintf("warning: %s takes passwords over plain HTTP (use --tls-self-signed or --tls-cert)", info.Addr))
	}
	var tlsConf *tls.Config
	switch {
	case cfg.TLSSelfSigned:
		cert, fp, certFile, err := SelfSigned(cfg.Dir, ln.Addr())
		if err != nil {
			return fmt.Errorf("registry: %w", err)
		}
		tlsConf, info.Fingerprint, info.CertFile = &tls.Config{Certificates: []tls.Certificate{cert}}, fp, certFile
	case cfg.TLSCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("registry: loading the TLS certificate: %w", err)
		}
		tlsConf, info.Fingerprint, info.CertFile = &tls.Config{Certificates: []tls.Certificate{cert}}, Fingerprint(cert.Certificate[0]), cfg.TLSCert
	}
	var l net.Listener = ln
	if tlsConf != nil {
		tlsConf.MinVersion = tls.VersionTLS12
		l, info.TLS = tls.NewListener(ln, tlsConf), true
	}

	h, shutdown, err := newHandler(ctx, cfg)
	if err != nil {
		return err
	}
	defer shutdown()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       maxRequestTime,
		WriteTimeout:      maxRequestTime,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(cfg.Log, "registry: ", log.LstdFlags),
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if ready != nil {
		ready(info)
	}
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler is distribution's application over Dir, with berth's limits
// and extensions (referrers) in front.
func newHandler(ctx context.Context, cfg Config) (http.Handler, func(), error) {
	logrus.SetOutput(cfg.Log)
	logrus.SetLevel(logrus.WarnLevel)
	if cfg.Log != io.Discard {
		logrus.SetLevel(logrus.InfoLevel)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	dc := &configuration.Configuration{
		Storage: configuration.Storage{
			"filesystem": configuration.Parameters{"rootdirectory": storageDir(cfg.Dir)},
			"delete":     configuration.Parameters{"enabled": true},
			"redirect":   configuration.Parameters{"disable": true},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{
				"enabled": true, "age": cfg.UploadExpiry.String(), "interval": (cfg.UploadExpiry / 4).String(), "dryrun": false,
			}},
		},
		HTTP: configuration.HTTP{Secret: string(secret)},
	}
	dc.Log.AccessLog.Disabled = true
	dc.Catalog.MaxEntries = 10_000 // go-containerregistry asks for 10000
	dc.Tags.MaxTags = 10_000
	dc.Validation.Manifests.Indexes.Platforms = "all"
	// Non-distributable layers name where they are fetched from; the
	// registry never fetches them itself, so any http(s) URL may be named.
	dc.Validation.Manifests.URLs.Allow = []string{"^https?://"}
	ac, err := newAccessController(cfg.Htpasswd, cfg.AnonymousPull)
	if err != nil {
		return nil, nil, err
	}
	if ac != nil {
		dc.Auth = configuration.Auth{accessControllerName: configuration.Parameters{"controller": ac}}
	}
	appCtx, cancel := context.WithCancel(ctx)
	var app *handlers.App
	if err := catchPanic(func() { app = handlers.NewApp(appCtx, dc) }); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("registry directory %s: %w", cfg.Dir, err)
	}
	// Abandoned uploads older than the expiry go now, not at the first
	// tick of distribution's purger (up to an hour of jitter).
	purgeUploads(appCtx, cfg.Dir, time.Now().Add(-cfg.UploadExpiry))
	st, err := openStore(appCtx, cfg.Dir)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	var h http.Handler = app
	h = &front{next: h, store: st, auth: ac, uploads: make(chan struct{}, cfg.MaxUploads), stall: cfg.StallTimeout}
	h = accessLog(cfg.Log, h)
	return h, func() { cancel(); app.Shutdown() }, nil
}

// storageDir is where distribution's filesystem driver keeps the
// registry in dir (it adds docker/registry/v2 below).
func storageDir(dir string) string { return filepath.Join(dir, "storage") }

// Prepare creates dir for a registry (mode 0700) or checks that an
// existing one is a registry berth can serve.
func Prepare(dir string) error {
	if dir == "" {
		return errors.New("registry: no directory given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("registry directory %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("registry directory %s: %w", dir, err)
	}
	if err := refuseLegacy(dir); err != nil {
		return err
	}
	return nil
}

func loopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// catchPanic turns distribution's configuration panics into an error.
func catchPanic(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}
