package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/idmap"
	"github.com/berthdev/berth/internal/lockfile"
)

// Layers without idmapped mounts.
//
// Where the kernel or the store's filesystem cannot idmap a mount (before
// Linux 5.12, a filesystem without FS_ALLOW_IDMAP), or BERTH_NO_IDMAP=1
// says not to, a container with a user namespace gets its image's layers
// through copies chowned once for its ID maps: <root>/idmapped/<map>/
// <chain ID>, one per layer and pair of maps, shared by every container
// with the same maps (a store-wide allocation, --userns container:NAME,
// debug sidecars) and made at the first start that needs them, in a
// temporary directory (flocked by its copier) renamed into place, as
// snapshots are. The init layer, the container's own, is copied into its
// directory at each start. Create says so in one line (Options.Warnings)
// while its maps have no copies yet (once per map, not per container).
//
// The copies go with the last container of their maps (unlinkLayerCopies),
// except those of the store-wide map: with the store config's
// "userns-remap" (docker's daemon.json key) or "userns-allocate": "store",
// every --userns=private container has that one map, so its copies wait
// for the next container (a run --rm copies nothing) and go once their
// layer's snapshot does (the image removed). A dead copier's temporary
// goes at the next Open or system check (sweepCopyTemps); copies of maps
// no container has are reported by system check and removed by --repair.
// system df counts the copies with the images (df.go).

// idmapDisabled is BERTH_NO_IDMAP=1: chowned copies even where idmapped
// mounts work. The shim inherits it from the berth that starts it.
func idmapDisabled() bool { return os.Getenv("BERTH_NO_IDMAP") == "1" }

func (e *Engine) layerCopiesDir() string { return filepath.Join(e.root, "idmapped") }

// mapKey names the copies of one pair of maps.
func mapKey(uids, gids []idmap.Map) string {
	h := sha256.Sum256([]byte(idmap.Format(uids) + " " + idmap.Format(gids)))
	return hex.EncodeToString(h[:8])
}

// idmappedLowers makes an idmapped mount of each lower through the maps;
// release drops them once the overlay holds them.
func idmappedLowers(lower []string, uids, gids []idmap.Map) (mapped []string, release func(), err error) {
	ns, err := idmap.NewUserns(uids, gids)
	if err != nil {
		return nil, nil, err
	}
	defer ns.Close()
	var mounts []*idmap.Mount
	release = func() {
		for _, m := range mounts {
			m.Close()
		}
	}
	for _, dir := range lower {
		m, err := ns.IDMapped(dir)
		if err != nil {
			release()
			return nil, nil, err
		}
		mounts = append(mounts, m)
		mapped = append(mapped, m.Path())
	}
	return mapped, release, nil
}

// idmapUnavailable says why a container with these maps cannot have
// idmapped layers (probing the first lower); "" when it can.
func idmapUnavailable(lower []string, uids, gids []idmap.Map) string {
	if idmapDisabled() {
		return "BERTH_NO_IDMAP=1"
	}
	if len(lower) == 0 {
		return ""
	}
	_, release, err := idmappedLowers(lower[:1], uids, gids)
	if err == nil {
		release()
		return ""
	}
	if idmap.Unsupported(err) {
		return err.Error()
	}
	return "" // another failure: the start reports it
}

// warnLayerCopies says in one line that a new container's layers will be
// chowned copies.
func (e *Engine) warnLayerCopies(r *record) {
	uids, gids, err := recordMaps(r)
	if err != nil || uids == nil || e.warnings == nil {
		return
	}
	if _, err := os.Stat(filepath.Join(e.layerCopiesDir(), mapKey(uids, gids))); err == nil {
		return // its map's copies are made already: said at its first container
	}
	if why := idmapUnavailable(r.LowerDirs, uids, gids); why != "" {
		fmt.Fprintf(e.warnings, "WARNING: container %q: no idmapped mounts (%s): its image's layers are used through a copy chowned for its ID map, made once per map under %s\n",
			r.Name, oneLineErr(errors.New(why)), e.layerCopiesDir())
	}
}

// shiftedLowers are chowned copies of lower for the maps, made where
// missing: the container's own init layer (under its directory) afresh,
// the image's layers once per map.
func (e *Engine) shiftedLowers(r *record, lower []string, uids, gids []idmap.Map) ([]string, error) {
	own := e.containerDir(r.ID) + string(filepath.Separator)
	shared := filepath.Join(e.layerCopiesDir(), mapKey(uids, gids))
	out := make([]string, len(lower))
	for i, l := range lower {
		if strings.HasPrefix(l, own) {
			dst := l + ".shifted"
			if err := os.RemoveAll(dst); err != nil {
				return nil, err
			}
			if err := idmap.CopyShifted(l, dst, uids, gids); err != nil {
				return nil, err
			}
			out[i] = dst
			continue
		}
		dst, err := copyOnce(l, shared, uids, gids)
		if err != nil {
			return nil, err
		}
		out[i] = dst
	}
	return out, nil
}

// copyOnce is the copy of layer src in dir, made if missing: in a
// temporary directory, flushed, then renamed into place unless another
// start got there first (its identical copy wins).
func copyOnce(src, dir string, uids, gids []idmap.Map) (string, error) {
	dst := filepath.Join(dir, filepath.Base(src))
	if _, err := os.Lstat(dst); err == nil {
		return dst, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, copyTmpPrefix)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	// Held for the copy's life: the kernel drops the lock however the
	// copier dies, and sweepCopyTemps takes only what nobody holds.
	hold, err := os.OpenFile(tmp, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer hold.Close()
	if err := unix.Flock(int(hold.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return "", fmt.Errorf("layer copy %s: locking %s: %w", dst, tmp, err)
	}
	t := filepath.Join(tmp, "layer")
	if err := idmap.CopyShifted(src, t, uids, gids); err != nil {
		return "", err
	}
	f, err := os.Open(t)
	if err != nil {
		return "", err
	}
	err = unix.Syncfs(int(f.Fd()))
	f.Close()
	if err != nil {
		return "", err
	}
	err = unix.Renameat2(unix.AT_FDCWD, t, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if err != nil && !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.ENOTEMPTY) {
		return "", fmt.Errorf("layer copy %s: %w", dst, err)
	}
	return dst, nil
}

// unlinkLayerCopies runs under the store lock once r is unlinked: when no
// other container has r's maps, and they are not the store-wide map
// (storeMapKey, whose copies wait for the next container), their copies
// are renamed away (never
// deleted in place, so a half-deleted copy never keeps its name) and
// purge deletes them. A container being created holds its record before
// its first start makes copies, so none in use is taken.
func (e *Engine) unlinkLayerCopies(r *record) (purge func()) {
	purge = func() {}
	uids, gids, err := recordMaps(r)
	if err != nil || uids == nil {
		return purge
	}
	key := mapKey(uids, gids)
	dir := filepath.Join(e.layerCopiesDir(), key)
	if _, err := os.Lstat(dir); err != nil || key == e.storeMapKey() {
		return purge
	}
	ids, err := e.containerIDs()
	if err != nil {
		return purge
	}
	for _, id := range ids {
		o, err := e.loadRecord(id)
		if err != nil {
			continue
		}
		if u, g, err := recordMaps(o); err == nil && u != nil && mapKey(u, g) == key {
			return purge
		}
	}
	gone := filepath.Join(e.layerCopiesDir(), ".rm-"+key)
	os.RemoveAll(gone) // a crash's leftover
	if os.Rename(dir, gone) != nil {
		return purge
	}
	return func() { os.RemoveAll(gone) }
}

// The temporaries of copies (idmapped/<map>/.tmp-*) are flocked by their
// copier, as snapshots' are (layers/tmpentry.go): one nobody holds, older
// than copyGrace (which covers the instant between MkdirTemp and the
// flock), was left by a copier that died, and goes at the next Open or
// system check; so does idmapped/.rm-<map>, a purge a crash cut short.
const (
	copyTmpPrefix = ".tmp-"
	copyGrace     = time.Minute
)

// storeMapKey is the key of the store-wide map (store config
// "userns-allocate": "store", which "userns-remap" implies): every
// container created with --userns=private gets it, so its copies are
// kept after its last container for the next one, and go with their
// layer's snapshot (sweepCopyTemps). "" when the store has no such map.
func (e *Engine) storeMapKey() string {
	cfg, err := e.usernsConfig()
	if err != nil || cfg.Allocate != "store" {
		return ""
	}
	var blocks [2]uint32
	for i, file := range []string{cfg.SubUID, cfg.SubGID} {
		grants, _, err := subRanges(file, cfg.Remap)
		if err != nil {
			return ""
		}
		if blocks[i], err = allocBlock(grants, nil, true, file, cfg.Remap); err != nil {
			return ""
		}
	}
	return mapKey(blockMap(blocks[0]), blockMap(blocks[1]))
}

// sweepCopyTemps removes the temporaries dead copiers left, the purges a
// crash interrupted and the copies of layers whose snapshot is gone (an
// image removed: kept copies of the store-wide map outlive their
// containers), and returns what it removed.
func (e *Engine) sweepCopyTemps() []string {
	top := e.layerCopiesDir()
	maps, err := os.ReadDir(top)
	if err != nil {
		return nil
	}
	var gone []string
	for _, m := range maps {
		p := filepath.Join(top, m.Name())
		if strings.HasPrefix(m.Name(), ".rm-") {
			os.RemoveAll(p)
			gone = append(gone, p)
			continue
		}
		if !m.IsDir() {
			continue
		}
		entries, _ := os.ReadDir(p)
		for _, t := range entries {
			tp := filepath.Join(p, t.Name())
			if strings.HasPrefix(t.Name(), ".") {
				if !strings.HasPrefix(t.Name(), copyTmpPrefix) || !copyLeftover(tp) {
					continue
				}
			} else if _, err := os.Lstat(filepath.Join(e.root, "snapshots", t.Name())); !errors.Is(err, fs.ErrNotExist) {
				continue // its layer is still unpacked
			}
			os.RemoveAll(tp)
			gone = append(gone, tp)
		}
	}
	return gone
}

// copyLeftover says whether the temporary copy p has no live copier.
func copyLeftover(p string) bool {
	fi, err := os.Lstat(p)
	if err != nil || time.Since(fi.ModTime()) < copyGrace {
		return false
	}
	held, err := lockfile.Held(p)
	return err == nil && !held
}

// checkLayerCopies is system check's part: the copies of a map no
// container has (a remove that died between unlinking the map's last
// container and renaming its copies away), removed with repair. The
// caller holds the store lock.
func (e *Engine) checkLayerCopies(ids []string, repair bool) []string {
	top := e.layerCopiesDir()
	maps, err := os.ReadDir(top)
	if err != nil {
		return nil
	}
	used := map[string]bool{e.storeMapKey(): true}
	for _, id := range ids {
		r, err := e.loadRecord(id)
		if err != nil {
			return nil // a partial view: nothing is called unused
		}
		if u, g, err := recordMaps(r); err == nil && u != nil {
			used[mapKey(u, g)] = true
		}
	}
	var out []string
	for _, m := range maps {
		if strings.HasPrefix(m.Name(), ".") || used[m.Name()] {
			continue
		}
		p := filepath.Join(top, m.Name())
		out = append(out, "layer copies "+p+": no container has their ID maps")
		if repair {
			os.RemoveAll(p)
		}
	}
	return out
}

// layerCopySizes are the bytes of each layer's copies (by chain ID),
// every map's together: what system df counts (df.go).
func (e *Engine) layerCopySizes() map[string]int64 {
	top := e.layerCopiesDir()
	maps, err := os.ReadDir(top)
	if err != nil {
		return nil
	}
	sizes := map[string]int64{}
	for _, m := range maps {
		if strings.HasPrefix(m.Name(), ".") || !m.IsDir() {
			continue
		}
		entries, _ := os.ReadDir(filepath.Join(top, m.Name()))
		for _, c := range entries {
			if !strings.HasPrefix(c.Name(), ".") && c.IsDir() {
				sizes[c.Name()] += dirSize(filepath.Join(top, m.Name(), c.Name()))
			}
		}
	}
	return sizes
}
