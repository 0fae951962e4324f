package layers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// Resuming a blob. A layer being fetched is written to part-<hex> in the
// pull's staging directory. When a pull dies in the middle of a layer,
// the next pull of the image takes that partial file over (from a
// directory whose lock nobody holds), and asks the registry for the rest
// only (an HTTP Range request); a registry that ignores the range gets
// the whole blob asked again. The digest is checked over the whole blob
// either way.

// adoptPartial moves the partial blob hex that a dead pull of this image
// left into this pull's directory (as the part file of layer idx),
// returning the open file and its length; nil when there is none.
func (p *Pulled) adoptPartial(hex string, idx int) (*os.File, int64) {
	dirs, _ := filepath.Glob(p.stagePrefix + "*")
	for _, d := range dirs {
		if d == p.dir {
			continue
		}
		lk, err := os.Open(filepath.Join(d, ".lock"))
		if err != nil {
			continue
		}
		if unix.Flock(int(lk.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			lk.Close() // a live pull
			continue
		}
		mine := filepath.Join(p.dir, "part-"+hex+"-"+strconv.Itoa(idx))
		parts, _ := filepath.Glob(filepath.Join(d, "part-"+hex+"-*"))
		err = os.ErrNotExist
		if len(parts) > 0 {
			err = os.Rename(parts[0], mine)
		}
		lk.Close()
		if err != nil {
			continue
		}
		f, err := os.OpenFile(mine, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		n, err := f.Seek(0, io.SeekEnd)
		if err != nil || n == 0 {
			f.Close()
			continue
		}
		return f, n
	}
	return nil, 0
}

// errNoRange is a registry answering a range request with the whole blob.
var errNoRange = fmt.Errorf("registry does not serve byte ranges")

// blobRange asks the registry of repo for bytes from..size-1 of blob h.
func blobRange(ctx context.Context, repo name.Repository, h v1.Hash, from, size int64, opts RemoteOptions) (io.ReadCloser, error) {
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	auth, err := authn.Resolve(ctx, kc, repo)
	if err != nil {
		return nil, err
	}
	tr, err := transport.NewWithContext(ctx, repo.Registry, auth, opts.transport(), []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return nil, err
	}
	u := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", repo.Scheme(), repo.RegistryStr(), repo.RepositoryStr(), h)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, size-1))
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		if err := transport.CheckError(resp, http.StatusPartialContent, http.StatusOK); err != nil {
			return nil, err
		}
		return nil, errNoRange
	}
	return resp.Body, nil
}

// resumable says whether a blob transfer that failed with err may be
// continued from what arrived: it was cut (interrupted, stalled, dropped),
// not refused nor wrong.
func resumable(err error) bool {
	var ne net.Error
	return err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errdefs.Is(err, errdefs.ErrUnavailable) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.As(err, &ne))
}
