package engine

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
)

// MountPoint is a mount of a container as it was resolved at create, with
// the field names of docker's inspect "Mounts".
type MountPoint struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	Driver      string `json:"Driver,omitempty"`
	Mode        string `json:"Mode"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
	// berth's own, kept in the container's record
	NoCopy       bool              `json:"NoCopy,omitempty"`
	TmpfsOptions string            `json:"TmpfsOptions,omitempty"`
	NonRecursive bool              `json:"NonRecursive,omitempty"`
	Labels       map[string]string `json:"Labels,omitempty"` // for a volume it creates
}

// resolveMounts turns a new container's -v, --mount, --tmpfs,
// --volumes-from and its image's VOLUMEs into mount points, creating
// missing named and anonymous volumes and -v bind sources. The store lock
// is held. undo removes what it created, for a create that fails later.
func (e *Engine) resolveMounts(h HostConfig, imageVolumes map[string]struct{}) (mps []MountPoint, undo func(), err error) {
	var madeVols, madeDirs []string
	undo = func() {
		for _, v := range madeVols {
			e.deleteVolume(v)
		}
		for i := len(madeDirs) - 1; i >= 0; i-- {
			os.Remove(madeDirs[i])
		}
	}
	defer func() {
		if err != nil {
			undo()
		}
	}()
	seen := map[string]bool{}
	add := func(mp MountPoint) error {
		if seen[mp.Destination] {
			return fmt.Errorf("duplicate mount point: %s: %w", mp.Destination, errdefs.ErrInvalid)
		}
		seen[mp.Destination] = true
		mps = append(mps, mp)
		return nil
	}
	for _, ref := range h.VolumesFrom {
		name, mode, _ := strings.Cut(ref, ":")
		if mode != "" && mode != "ro" && mode != "rw" {
			return nil, undo, fmt.Errorf("--volumes-from %s: mode must be ro or rw: %w", ref, errdefs.ErrInvalid)
		}
		src, err := e.resolve(name)
		if err != nil {
			return nil, undo, fmt.Errorf("--volumes-from %s: %w", ref, err)
		}
		for _, mp := range src.Mounts {
			if mp.Type == "tmpfs" {
				continue
			}
			if mode != "" {
				mp.RW, mp.Mode = mode == "rw", mode
			}
			if err := add(mp); err != nil {
				return nil, undo, err
			}
		}
	}
	var asked []MountPoint
	for _, b := range h.Binds {
		mp, err := parseBind(b)
		if err != nil {
			return nil, undo, err
		}
		asked = append(asked, mp)
	}
	for _, m := range h.Mounts {
		if !filepath.IsAbs(m.Target) {
			return nil, undo, fmt.Errorf("--mount target %q: must be an absolute path: %w", m.Target, errdefs.ErrInvalid)
		}
		mp := MountPoint{Type: m.Type, Destination: path.Clean(m.Target), RW: !m.ReadOnly, Propagation: "rprivate"}
		if o := m.VolumeOptions; o != nil {
			mp.NoCopy, mp.Labels = o.NoCopy, o.Labels
		}
		switch m.Type {
		case "bind":
			if !filepath.IsAbs(m.Source) {
				return nil, undo, fmt.Errorf("--mount source %q: a bind source must be an absolute path: %w", m.Source, errdefs.ErrInvalid)
			}
			if _, err := os.Stat(m.Source); err != nil {
				return nil, undo, fmt.Errorf("bind source path does not exist: %s: %w", m.Source, errdefs.ErrInvalid)
			}
			mp.Source = filepath.Clean(m.Source)
			if o := m.BindOptions; o != nil {
				mp.NonRecursive = o.NonRecursive
				if o.Propagation != "" {
					mp.Propagation = o.Propagation
				}
			}
		case "volume":
			if m.Source != "" {
				if err := checkVolumeName(m.Source); err != nil {
					return nil, undo, err
				}
			}
			mp.Name = m.Source
		case "tmpfs":
			if o := m.TmpfsOptions; o != nil {
				mp.TmpfsOptions = tmpfsOptions(o.SizeBytes, o.Mode)
			}
		}
		if !mp.RW {
			mp.Mode = "ro"
		}
		asked = append(asked, mp)
	}
	for dst, opts := range h.Tmpfs {
		if !filepath.IsAbs(dst) {
			return nil, undo, fmt.Errorf("--tmpfs %q: the container path must be absolute: %w", dst, errdefs.ErrInvalid)
		}
		if err := checkTmpfsOptions(opts); err != nil {
			return nil, undo, fmt.Errorf("--tmpfs %s: %v: %w", dst, err, errdefs.ErrInvalid)
		}
		asked = append(asked, MountPoint{Type: "tmpfs", Destination: path.Clean(dst), RW: !strings.Contains(","+opts+",", ",ro,"), TmpfsOptions: opts, Propagation: "rprivate"})
	}
	sort.SliceStable(asked, func(i, j int) bool { return asked[i].Destination < asked[j].Destination })
	// what is asked for replaces what --volumes-from brought to the same place
	for _, mp := range asked {
		if seen[mp.Destination] {
			for i := range mps {
				if mps[i].Destination == mp.Destination {
					mps = append(mps[:i], mps[i+1:]...)
					break
				}
			}
			delete(seen, mp.Destination)
		}
	}
	for _, mp := range asked {
		if err := add(mp); err != nil {
			return nil, undo, err
		}
	}
	var imgPaths []string
	for p := range imageVolumes {
		imgPaths = append(imgPaths, path.Clean(p))
	}
	sort.Strings(imgPaths)
	for _, p := range imgPaths {
		if !seen[p] && path.IsAbs(p) {
			if err := add(MountPoint{Type: "volume", Destination: p, RW: true, Propagation: ""}); err != nil {
				return nil, undo, err
			}
		}
	}
	for i := range mps {
		mp := &mps[i]
		switch mp.Type {
		case "volume":
			if mp.Source != "" {
				continue // from --volumes-from: already made
			}
			_, missing := e.loadVolume(mp.Name)
			v, err := e.ensureVolume(mp.Name, mp.Labels, mp.Name == "")
			if err != nil {
				return nil, undo, err
			}
			if missing != nil {
				madeVols = append(madeVols, v.Name)
			}
			mp.Name, mp.Source, mp.Driver, mp.Propagation, mp.Labels = v.Name, v.Mountpoint, "local", "", nil
			if mp.Mode == "" {
				mp.Mode = "z"
			}
		case "bind":
			if _, err := os.Lstat(mp.Source); err != nil {
				// docker's -v makes a missing host directory
				made, err := mkdirAllRecord(mp.Source)
				madeDirs = append(madeDirs, made...)
				if err != nil {
					return nil, undo, fmt.Errorf("bind source %s: cannot create it: %v: %w", mp.Source, err, errdefs.ErrInvalid)
				}
			}
		}
	}
	sort.SliceStable(mps, func(i, j int) bool {
		return strings.Count(mps[i].Destination, "/") < strings.Count(mps[j].Destination, "/")
	})
	return mps, undo, nil
}

// mkdirAllRecord is os.MkdirAll that says which directories it made.
func mkdirAllRecord(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == "/" {
			break
		}
		missing = append([]string{d}, missing...)
	}
	var made []string
	for _, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil {
			return made, err
		}
		made = append(made, d)
	}
	return made, nil
}

// copyUpVolumes gives each of a container's volumes that is still empty
// the image's content at its path (docker's copy-up), unless nocopy. Only
// the start path calls it, before the spec is built.
func copyUpVolumes(r *record, rootfs string) error {
	// A volume holds container-side owners (it is mounted idmapped), the
	// rootfs shows host IDs when the container has maps.
	uids, gids, err := recordMaps(r)
	if err != nil {
		return err
	}
	shift := fromHostIDs(uids, gids)
	for _, mp := range r.Mounts {
		if mp.Type == "volume" && !mp.NoCopy {
			if err := copyUp(rootfs, mp.Destination, mp.Source, shift); err != nil {
				return fmt.Errorf("volume %s: copying the image's %s into it: %v", short(mp.Name), mp.Destination, err)
			}
		}
	}
	return nil
}

// specMounts adds a container's volumes, binds and tmpfs mounts to its
// spec. It only translates (copyUpVolumes fills the volumes).
func (e *Engine) specMounts(s *specs.Spec, r *record) error {
	for _, mp := range r.Mounts {
		switch mp.Type {
		case "tmpfs":
			opts := []string{"nosuid", "nodev", "noexec"}
			if mp.TmpfsOptions != "" {
				opts = append(opts, strings.Split(mp.TmpfsOptions, ",")...)
			}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: mp.Destination, Type: "tmpfs", Source: "tmpfs", Options: opts})
			continue
		case "bind":
			if _, err := os.Stat(mp.Source); err != nil {
				return fmt.Errorf("bind source %s: %v", mp.Source, err)
			}
		}
		rw := "rw"
		if !mp.RW {
			rw = "ro"
		}
		opts := []string{"rbind", rw}
		if mp.NonRecursive {
			opts[0] = "bind"
		}
		if mp.Propagation != "" {
			opts = append(opts, mp.Propagation)
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: mp.Destination, Type: "bind", Source: mp.Source, Options: opts})
	}
	return nil
}

// copyUp copies what the image has at dst into an empty volume directory,
// keeping owners and modes. Two containers starting on one empty volume
// at once copy once: the volume's directory is flocked meanwhile.
func copyUp(rootfs, dst, volume string, shift idShift) error {
	lock, err := os.Open(filepath.Dir(volume))
	if err != nil {
		return err
	}
	defer lock.Close() // drops the flock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	ents, err := os.ReadDir(volume)
	if err != nil || len(ents) > 0 {
		return err
	}
	src, err := securejoin.SecureJoin(rootfs, dst)
	if err != nil {
		return err
	}
	fi, err := os.Stat(src)
	if err != nil || !fi.IsDir() {
		return nil // nothing there to copy
	}
	if err := copyTreeShift(hostTree{}, src, hostTree{}, volume, true, -1, shift); err != nil {
		return err
	}
	return nil
}

func short(name string) string {
	if len(name) == 64 {
		return name[:12]
	}
	return name
}
