package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/registry/storage"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
	"github.com/distribution/reference"
	"github.com/sirupsen/logrus"
)

// store is distribution's storage of a registry directory, for what berth
// does beside the HTTP API: referrers, listing, garbage collection.
type store struct {
	driver storagedriver.StorageDriver
	ns     distribution.Namespace
	refs   *referrerCache
}

func openStore(ctx context.Context, dir string) (*store, error) {
	d := filesystem.New(filesystem.DriverParameters{RootDirectory: storageDir(dir), MaxThreads: 100})
	ns, err := storage.NewRegistry(ctx, d, storage.EnableDelete)
	if err != nil {
		return nil, fmt.Errorf("registry directory %s: %w", dir, err)
	}
	return &store{driver: d, ns: ns, refs: newReferrerCache()}, nil
}

func (s *store) repository(ctx context.Context, repo string) (distribution.Repository, error) {
	named, err := reference.WithName(repo)
	if err != nil {
		return nil, err
	}
	return s.ns.Repository(ctx, named)
}

// Repository is one repository of a registry directory and its tags.
type Repository struct {
	Name string
	Tags []string
}

// List reads the repositories of the registry in dir, and their tags,
// sorted, without a server.
func List(ctx context.Context, dir string) ([]Repository, error) {
	if err := refuseLegacy(dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("registry directory %s: %w", dir, err)
	}
	s, err := openStore(ctx, dir)
	if err != nil {
		return nil, err
	}
	en, ok := s.ns.(distribution.RepositoryEnumerator)
	if !ok {
		return nil, errors.New("registry: storage cannot list repositories")
	}
	var out []Repository
	err = en.Enumerate(ctx, func(name string) error {
		r, err := s.repository(ctx, name)
		if err != nil {
			return err
		}
		tags, err := r.Tags(ctx).All(ctx)
		var unknown distribution.ErrRepositoryUnknown
		if err != nil && !errors.As(err, &unknown) {
			return fmt.Errorf("repository %s: %w", name, err)
		}
		sort.Strings(tags)
		out = append(out, Repository{Name: name, Tags: tags})
		return nil
	})
	var nf storagedriver.PathNotFoundError
	if errors.As(err, &nf) {
		return nil, nil // nothing pushed yet
	}
	return out, err
}

// GCOptions tunes GarbageCollect.
type GCOptions struct {
	// DryRun only prints what would be removed. The default is false.
	DryRun bool
	// RemoveUntagged removes manifests no tag names (and no index that a
	// tag names), referrers such as signatures included. The default is
	// false: only blobs no manifest refers to go.
	RemoveUntagged bool
	// UploadsOlderThan is the age past which an unfinished upload is
	// removed. The default is DefaultUploadExpiry.
	UploadsOlderThan time.Duration
	// Out receives one line per removed object. The default is none.
	Out io.Writer
}

// GarbageCollect removes, from the registry in dir, blobs no manifest
// refers to (distribution's mark and sweep) and uploads abandoned for
// longer than opts.UploadsOlderThan. The registry must not be serving
// pushes meanwhile: distribution's collector does not lock.
func GarbageCollect(ctx context.Context, dir string, opts GCOptions) (removedUploads int, err error) {
	if err := refuseLegacy(dir); err != nil {
		return 0, err
	}
	if _, err := os.Stat(storageDir(dir)); errors.Is(err, os.ErrNotExist) {
		return 0, nil // nothing was ever pushed
	}
	restrictUmask()
	if opts.UploadsOlderThan <= 0 {
		opts.UploadsOlderThan = DefaultUploadExpiry
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	logrus.SetOutput(opts.Out)
	logrus.SetLevel(logrus.WarnLevel)
	s, err := openStore(ctx, dir)
	if err != nil {
		return 0, err
	}
	gcOpts := storage.GCOpts{DryRun: opts.DryRun, RemoveUntagged: opts.RemoveUntagged, Quiet: opts.Out == io.Discard}
	if err := storage.MarkAndSweep(ctx, s.driver, s.ns, gcOpts); err != nil {
		var nf storagedriver.PathNotFoundError
		if !errors.As(err, &nf) {
			return 0, fmt.Errorf("registry: garbage collection: %w", err)
		}
	}
	deleted, errs := storage.PurgeUploads(ctx, s.driver, time.Now().Add(-opts.UploadsOlderThan), !opts.DryRun)
	for _, d := range deleted {
		fmt.Fprintf(opts.Out, "upload %s removed\n", d)
	}
	if err := uploadErrors(errs); err != nil {
		return len(deleted), fmt.Errorf("registry: removing abandoned uploads: %w", err)
	}
	return len(deleted), nil
}

// purgeUploads removes uploads started before olderThan, for a server
// starting.
func purgeUploads(ctx context.Context, dir string, olderThan time.Time) {
	d := filesystem.New(filesystem.DriverParameters{RootDirectory: storageDir(dir), MaxThreads: 100})
	storage.PurgeUploads(ctx, d, olderThan, true)
}

// uploadErrors is the first error that is not "no upload directory".
func uploadErrors(errs []error) error {
	for _, err := range errs {
		var nf storagedriver.PathNotFoundError
		if !errors.As(err, &nf) {
			return err
		}
	}
	return nil
}
