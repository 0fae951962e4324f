package engine

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	units "github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
)

// Mount is one --mount, with docker's API names.
type Mount struct {
	Type        string `json:"Type"` // bind, volume, tmpfs
	Source      string `json:"Source,omitempty"`
	Target      string `json:"Target"`
	ReadOnly    bool   `json:"ReadOnly,omitempty"`
	Propagation string `json:"Propagation,omitempty"` // bind-propagation
	NoCopy      bool   `json:"NoCopy,omitempty"`      // volume-nocopy
	TmpfsSize   int64  `json:"TmpfsSize,omitempty"`   // bytes
	TmpfsMode   uint32 `json:"TmpfsMode,omitempty"`
}

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
	NoCopy       bool   `json:"NoCopy,omitempty"`
	TmpfsOptions string `json:"TmpfsOptions,omitempty"`
}

// ParseMountFlag reads one --mount value: comma-separated key=value pairs.
func ParseMountFlag(s string) (Mount, error) {
	m := Mount{Type: "volume"}
	bad := func(why string) (Mount, error) {
		return m, fmt.Errorf("invalid --mount %q: %s", s, why)
	}
	for _, f := range strings.Split(s, ",") {
		k, v, hasV := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		boolean := func() (bool, error) {
			if !hasV {
				return true, nil
			}
			return strconv.ParseBool(v)
		}
		switch k {
		case "type":
			m.Type = v
		case "source", "src":
			m.Source = v
		case "target", "destination", "dst":
			m.Target = v
		case "readonly", "ro":
			b, err := boolean()
			if err != nil {
				return bad("readonly takes true or false")
			}
			m.ReadOnly = b
		case "bind-propagation":
			m.Propagation = v
		case "volume-nocopy":
			b, err := boolean()
			if err != nil {
				return bad("volume-nocopy takes true or false")
			}
			m.NoCopy = b
		case "tmpfs-size":
			n, err := units.RAMInBytes(v)
			if err != nil {
				return bad("tmpfs-size: " + err.Error())
			}
			m.TmpfsSize = n
		case "tmpfs-mode":
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return bad("tmpfs-mode takes an octal mode")
			}
			m.TmpfsMode = uint32(n)
		case "volume-label", "volume-driver", "consistency", "bind-nonrecursive", "volume-opt":
			// accepted as docker does on a local host; nothing to do
		default:
			return bad("unknown option " + k)
		}
	}
	switch m.Type {
	case "bind", "volume", "tmpfs":
	default:
		return bad("type must be bind, volume or tmpfs")
	}
	if m.Target == "" {
		return bad("target is required")
	}
	if m.Type == "bind" && m.Source == "" {
		return bad("a bind mount needs a source")
	}
	if m.Type == "tmpfs" && m.Source != "" {
		return bad("a tmpfs mount has no source")
	}
	return m, nil
}

// parseBind reads one -v value: SRC:DST[:OPTS] or DST alone.
func parseBind(s string) (MountPoint, error) {
	bad := func(why string) (MountPoint, error) {
		return MountPoint{}, fmt.Errorf("invalid volume specification %q: %s: %w", s, why, errdefs.ErrInvalid)
	}
	parts := strings.Split(s, ":")
	var src, dst, opts string
	switch len(parts) {
	case 1:
		dst = parts[0]
	case 2:
		if filepath.IsAbs(parts[1]) {
			src, dst = parts[0], parts[1]
		} else {
			dst, opts = parts[0], parts[1]
		}
	case 3:
		src, dst, opts = parts[0], parts[1], parts[2]
	default:
		return bad("too many colons")
	}
	if !filepath.IsAbs(dst) {
		return bad("the container path must be absolute")
	}
	mp := MountPoint{Destination: path.Clean(dst), RW: true, Propagation: "rprivate"}
	switch {
	case src == "":
		mp.Type = "volume" // anonymous
	case filepath.IsAbs(src):
		mp.Type, mp.Source = "bind", filepath.Clean(src)
	case strings.ContainsAny(src, `/\`) || strings.HasPrefix(src, "."):
		return bad("a host path must be absolute")
	default:
		if err := checkVolumeName(src); err != nil {
			return MountPoint{}, err
		}
		mp.Type, mp.Name = "volume", src
	}
	if opts != "" {
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "ro":
				mp.RW = false
			case "rw":
				mp.RW = true
			case "z", "Z":
				// SELinux relabelling: no SELinux here, as docker ignores it then
			case "nocopy":
				mp.NoCopy = true
			case "private", "rprivate", "shared", "rshared", "slave", "rslave":
				mp.Propagation = o
			default:
				return bad("unknown option " + o)
			}
		}
		mp.Mode = opts
	}
	return mp, nil
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
		mp := MountPoint{Type: m.Type, Destination: path.Clean(m.Target), RW: !m.ReadOnly, Propagation: "rprivate", NoCopy: m.NoCopy}
		switch m.Type {
		case "bind":
			if !filepath.IsAbs(m.Source) {
				return nil, undo, fmt.Errorf("--mount source %q: a bind source must be an absolute path: %w", m.Source, errdefs.ErrInvalid)
			}
			if _, err := os.Stat(m.Source); err != nil {
				return nil, undo, fmt.Errorf("bind source path does not exist: %s: %w", m.Source, errdefs.ErrInvalid)
			}
			mp.Source = filepath.Clean(m.Source)
			if m.Propagation != "" {
				mp.Propagation = m.Propagation
			}
		case "volume":
			if m.Source != "" {
				if err := checkVolumeName(m.Source); err != nil {
					return nil, undo, err
				}
			}
			mp.Name = m.Source
		case "tmpfs":
			mp.Source, mp.TmpfsOptions = "", tmpfsOptions(m.TmpfsSize, m.TmpfsMode)
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
			v, err := e.ensureVolume(mp.Name, nil, mp.Name == "")
			if err != nil {
				return nil, undo, err
			}
			if missing != nil {
				madeVols = append(madeVols, v.Name)
			}
			mp.Name, mp.Source, mp.Driver, mp.Propagation = v.Name, v.Mountpoint, "local", ""
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

func tmpfsOptions(size int64, mode uint32) string {
	var o []string
	if size > 0 {
		o = append(o, "size="+strconv.FormatInt(size, 10))
	}
	if mode != 0 {
		o = append(o, "mode="+strconv.FormatUint(uint64(mode), 8))
	}
	return strings.Join(o, ",")
}

// specMounts adds a container's volumes, binds and tmpfs mounts to its
// spec. A volume still empty receives the image's content at its path
// first (docker's copy-up), unless nocopy.
func (e *Engine) specMounts(s *specs.Spec, r *record, rootfs string) error {
	for _, mp := range r.Mounts {
		switch mp.Type {
		case "tmpfs":
			opts := []string{"nosuid", "nodev", "noexec"}
			if mp.TmpfsOptions != "" {
				opts = append(opts, strings.Split(mp.TmpfsOptions, ",")...)
			}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: mp.Destination, Type: "tmpfs", Source: "tmpfs", Options: opts})
			continue
		case "volume":
			if !mp.NoCopy {
				if err := copyUp(rootfs, mp.Destination, mp.Source); err != nil {
					return fmt.Errorf("volume %s: copying the image's %s into it: %v", short(mp.Name), mp.Destination, err)
				}
			}
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
		if mp.Propagation != "" {
			opts = append(opts, mp.Propagation)
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: mp.Destination, Type: "bind", Source: mp.Source, Options: opts})
	}
	return nil
}

// copyUp copies what the image has at dst into an empty volume directory,
// keeping owners and modes.
func copyUp(rootfs, dst, volume string) error {
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
	if err := copyTree(hostTree{}, src, hostTree{}, volume, true, -1); err != nil {
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
