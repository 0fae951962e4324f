package engine

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"

	"github.com/berthdev/berth/internal/idmap"
)

// overflowID is the kernel's overflowuid: what an unmapped ID reads as.
const overflowID = 65534

// toContainerID is host ID id as the container sees it.
func toContainerID(ms []idmap.Map, id int) int {
	if ms == nil {
		return id
	}
	if id < 0 || id > 1<<32-1 {
		return overflowID
	}
	c, ok := idmap.ToContainer(ms, uint32(id))
	if !ok {
		return overflowID
	}
	return int(c)
}

// fromHostIDs shifts the owners a container's files have as the host sees
// them (its writable layer and idmapped lowers hold host IDs) to the
// container's; nil without maps. Unmapped IDs become the overflow ID, as
// the container sees them.
func fromHostIDs(uids, gids []idmap.Map) idShift {
	if uids == nil {
		return nil
	}
	return func(uid, gid int) (int, int, error) {
		return toContainerID(uids, uid), toContainerID(gids, gid), nil
	}
}

// toHostIDs shifts container-side owners (cp's root, an archive's IDs) to
// the host IDs a container with maps writes; nil without maps. An ID the
// container cannot hold is refused, as docker refuses it.
func toHostIDs(uids, gids []idmap.Map) idShift {
	if uids == nil {
		return nil
	}
	return func(uid, gid int) (int, int, error) {
		u, ok1 := toHostID(uids, uid)
		g, ok2 := toHostID(gids, gid)
		if !ok1 || !ok2 {
			return 0, 0, fmt.Errorf("owner %d:%d is not mapped in the container's user namespace", uid, gid)
		}
		return u, g, nil
	}
}

func toHostID(ms []idmap.Map, id int) (int, bool) {
	if id < 0 || id > 1<<32-1 {
		return 0, false
	}
	h, ok := idmap.ToHost(ms, uint32(id))
	return int(h), ok
}

// shiftTar copies the tar stream r to w with every owner mapped from the
// host's IDs to the container's: the writable layer of a container with a
// user namespace holds host IDs, an image layer container-side ones.
func shiftTar(w io.Writer, r io.Reader, uids, gids []idmap.Map) error {
	tr, tw := tar.NewReader(r), tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		hdr.Uid, hdr.Gid = toContainerID(uids, hdr.Uid), toContainerID(gids, hdr.Gid)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// upperTar writes the tree at dir (a container's writable layer, or its
// root file system) as a tarball with container-side owners. write runs
// on the calling goroutine, which may be the one thread that sees a
// private mount (withRootfs); the shift runs beside it.
func upperTar(w io.Writer, r *record, dir string, write func(io.Writer, string) error) error {
	uids, gids, err := recordMaps(r)
	if err != nil {
		return err
	}
	if uids == nil {
		return write(w, dir)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := shiftTar(w, pr, uids, gids)
		pr.CloseWithError(io.ErrClosedPipe) // a write still under way ends
		done <- err
	}()
	werr := write(pw, dir)
	pw.CloseWithError(werr)
	if serr := <-done; werr == nil {
		return serr
	}
	return werr
}
