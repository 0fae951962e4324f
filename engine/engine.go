package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/lockfile"
	"github.com/berthdev/berth/layers"
)

// SchemaVersion is the version of the on-disk layout described in doc.go.
const SchemaVersion = "3"

// DefaultRoot is the store used when neither Options.Root nor BERTH_ROOT is set.
const DefaultRoot = "/var/lib/berth"

// Options configure Open.
type Options struct {
	// Root is the persistent store. The default is DefaultRoot.
	Root string
	// RunRoot is the volatile directory (libcontainer state, shim sockets,
	// overlay mount points). The default follows from Root: /run/berth for the
	// default root, /run/berth-<hash of root> for any other, so two stores
	// never collide.
	RunRoot string
	// LockTimeout is how long to wait for the store lock. The default is 30s.
	LockTimeout time.Duration
	// Binary is the berth executable that shims are started from. The default
	// is the running executable.
	Binary string
	// PrepareStart starts a shim at once, for a container the caller is
	// about to create and start (`berth run`): its start-up then overlaps
	// the rest of Open and Create (prespawn.go).
	PrepareStart bool
	// MaxLayerSize is the most bytes one layer may unpack to (its
	// uncompressed tarball), wherever layer content enters the store. The
	// default is layers.DefaultMaxLayerSize.
	MaxLayerSize int64
	// MaxLayerRatio is how many times its compressed size a layer may
	// expand to past its first layers.RatioFloor bytes. The default is
	// layers.DefaultMaxLayerRatio.
	MaxLayerRatio int64
	// Warnings receives one line for each fallback a user should know of
	// (a container's layers copied for its ID map where the kernel cannot
	// idmap them). The default is none: discarded.
	Warnings io.Writer
}

// Engine is berth's one public API: the CLI and the TUI call nothing else.
type Engine struct {
	root, runRoot string
	lockTimeout   time.Duration
	binary        string
	images        *layers.Store
	prepared      chan *preparedShim // for the next start (Options.PrepareStart)
	eventsMax     int64              // rotate events.jsonl at this size; 0 is eventLogMax
	cgroups       func() []cgroupDir // the store's cgroups when set (host.cgroups), else berthCgroups
	warnings      io.Writer          // Options.Warnings; nil: discarded
}

// Open opens (creating if needed) the store at opts.Root, and reconciles the
// recorded state of containers with what is actually running.
func Open(opts Options) (*Engine, error) {
	if os.Geteuid() != 0 {
		// The CLI enters the user's namespace first (rootless.go).
		return nil, fmt.Errorf("opening store: needs root, or a rootless user's namespace (EnterRootless): %w", errdefs.ErrPermission)
	}
	return open(opts, host{secure: secureDir, cgroups: rootlessCgroups()}) // cgroups nil: the store's own (berthCgroups)
}

// host is what open reaches beyond the store: the check of the store and
// run directories (secureDir) and the host's berth cgroups, which
// reconcile and Check sweep (berthCgroups). The engine's unit tests,
// which run without root, pass a plain MkdirAll and no cgroups.
type host struct {
	secure  func(dir string, create bool) error
	cgroups func() []cgroupDir
}

// open is Open after its root check.
func open(opts Options, h host) (*Engine, error) {
	root := opts.Root
	if root == "" {
		root = DefaultStore()
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	e := &Engine{root: root, runRoot: opts.RunRoot, lockTimeout: opts.LockTimeout, binary: opts.Binary, cgroups: h.cgroups, warnings: opts.Warnings}
	if e.runRoot == "" {
		e.runRoot = RunRootFor(root)
	}
	if e.lockTimeout == 0 {
		e.lockTimeout = 30 * time.Second
	}
	if e.binary == "" {
		if e.binary, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	// The run directory lives in /run: without its mark, the host has
	// booted since the store was last opened.
	bootMark := filepath.Join(e.runRoot, "booted")
	_, err = os.Stat(bootMark)
	booted := os.IsNotExist(err)
	// Before anything is read or written: whose store is this (storedir.go)?
	if err := h.secure(root, true); err != nil {
		return nil, fmt.Errorf("store %s: %w", root, err)
	}
	if err := h.secure(e.runRoot, true); err != nil {
		return nil, fmt.Errorf("run directory %s: %w", e.runRoot, err)
	}
	if opts.PrepareStart {
		// Started on another thread: the fork and exec overlap Open too.
		e.prepared = make(chan *preparedShim, 1)
		go func() { e.prepared <- e.prepareShim() }()
	}
	for _, d := range []string{e.containersDir(), e.namesDir(), e.stateRoot(), e.sockDir()} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return nil, fmt.Errorf("creating store: %w", err)
		}
	}
	if err := e.checkVersion(); err != nil {
		return nil, err
	}
	limits := layers.WithLimits(layers.Limits{MaxSize: opts.MaxLayerSize, MaxRatio: opts.MaxLayerRatio})
	if e.images, err = layers.Open(root, limits, layers.WithInUse(e.imagesInUse)); err != nil {
		return nil, err
	}
	if err := e.reconcile(booted); err != nil {
		return nil, err
	}
	if err := e.nameStore(); err != nil {
		return nil, err
	}
	sweepRunDirs(filepath.Dir(e.runRoot), e.runRoot)
	if booted {
		if err := atomicfile.WriteFile(bootMark, nil, 0o644); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// RunRootFor is the volatile run directory that belongs to a store root.
func RunRootFor(root string) string {
	if uid, ok := rootlessUID(); ok {
		return rootlessRunRoot(uid, root)
	}
	if root == DefaultRoot {
		return "/run/berth"
	}
	sum := sha256.Sum256([]byte(root))
	return "/run/berth-" + hex.EncodeToString(sum[:])[:12]
}

// Root is the persistent store directory.
func (e *Engine) Root() string { return e.root }

// RunRoot is the volatile directory of this store.
func (e *Engine) RunRoot() string { return e.runRoot }

func (e *Engine) checkVersion() error {
	path := filepath.Join(e.root, "VERSION")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return atomicfile.WriteFile(path, []byte(SchemaVersion+"\n"), 0o644)
	}
	if err != nil {
		return err
	}
	v := strings.TrimSpace(string(data))
	switch v {
	case "1":
		// 1 -> 2: the container name index (nameindex.go), built from the
		// records; an older berth then refuses the store rather than create
		// containers the index does not know.
		if err := e.buildNameIndex(); err != nil {
			return fmt.Errorf("store %s: upgrading to schema version %s: %w", e.root, SchemaVersion, err)
		}
		fallthrough
	case "2":
		// 2 -> 3: nothing to convert (no held.json is no held image, a
		// record without ID maps is the host's user namespace). The bump
		// is for the older berth: one before 3 would collect the layers of
		// the images held.json keeps for stopped containers (its gc knows
		// index.json only), run a --userns container as the host's root
		// (it drops the record's IDMappings) and never remove idmapped/.
		return atomicfile.WriteFile(path, []byte(SchemaVersion+"\n"), 0o644)
	}
	if v != SchemaVersion {
		return fmt.Errorf("store %s has schema version %q; this berth reads version %s: %w", e.root, v, SchemaVersion, errdefs.ErrFailedPrecondition)
	}
	return nil
}

// lock takes the store lock, which every change to images or to the set of
// containers holds. Its error names the process holding it.
func (e *Engine) lock() (*lockfile.Lock, error) {
	l, err := lockfile.Acquire(filepath.Join(e.root, "lock"), e.lockTimeout)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", e.root, err)
	}
	return l, nil
}

// withLock runs fn holding the store lock.
func (e *Engine) withLock(fn func() error) error {
	l, err := e.lock()
	if err != nil {
		return err
	}
	defer l.Unlock()
	return fn()
}

func (e *Engine) containersDir() string { return filepath.Join(e.root, "containers") }
func (e *Engine) stateRoot() string     { return filepath.Join(e.runRoot, "runc") }
func (e *Engine) sockDir() string       { return filepath.Join(e.runRoot, "sock") }

// seccompCacheDir keeps compiled seccomp programs (internal/seccompcache);
// volatile, so a reboot, which may bring another libseccomp, starts afresh.
func (e *Engine) seccompCacheDir() string { return filepath.Join(e.runRoot, "seccomp") }
