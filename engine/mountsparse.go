package engine

import (
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/internal/errdefs"
)

// Mount is one --mount, in the shape of docker's HostConfig.Mounts.
type Mount struct {
	Type          string         `json:"Type"` // bind, volume, tmpfs
	Source        string         `json:"Source,omitempty"`
	Target        string         `json:"Target"`
	ReadOnly      bool           `json:"ReadOnly,omitempty"`
	Consistency   string         `json:"Consistency,omitempty"`
	BindOptions   *BindOptions   `json:"BindOptions,omitempty"`
	VolumeOptions *VolumeOptions `json:"VolumeOptions,omitempty"`
	TmpfsOptions  *TmpfsOptions  `json:"TmpfsOptions,omitempty"`
}

// BindOptions are a bind --mount's bind-propagation and bind-nonrecursive.
type BindOptions struct {
	Propagation  string `json:"Propagation,omitempty"`
	NonRecursive bool   `json:"NonRecursive,omitempty"`
}

// VolumeOptions are a volume --mount's volume-nocopy and volume-label.
type VolumeOptions struct {
	NoCopy bool              `json:"NoCopy,omitempty"`
	Labels map[string]string `json:"Labels,omitempty"`
}

// TmpfsOptions are a tmpfs --mount's tmpfs-size and tmpfs-mode.
type TmpfsOptions struct {
	SizeBytes int64  `json:"SizeBytes,omitempty"`
	Mode      uint32 `json:"Mode,omitempty"`
}

var propagations = map[string]bool{"private": true, "rprivate": true, "shared": true, "rshared": true, "slave": true, "rslave": true}

// ParseMountFlag reads one --mount value: comma-separated key=value pairs.
func ParseMountFlag(s string) (Mount, error) {
	m := Mount{Type: "volume"}
	bad := func(why string) (Mount, error) {
		return m, fmt.Errorf("invalid --mount %q: %s: %w", s, why, errdefs.ErrInvalid)
	}
	bo := func() *BindOptions {
		if m.BindOptions == nil {
			m.BindOptions = &BindOptions{}
		}
		return m.BindOptions
	}
	vo := func() *VolumeOptions {
		if m.VolumeOptions == nil {
			m.VolumeOptions = &VolumeOptions{}
		}
		return m.VolumeOptions
	}
	to := func() *TmpfsOptions {
		if m.TmpfsOptions == nil {
			m.TmpfsOptions = &TmpfsOptions{}
		}
		return m.TmpfsOptions
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
			if !propagations[v] {
				return bad("bind-propagation must be one of private, rprivate, shared, rshared, slave, rslave")
			}
			bo().Propagation = v
		case "volume-nocopy":
			b, err := boolean()
			if err != nil {
				return bad("volume-nocopy takes true or false")
			}
			vo().NoCopy = b
		case "tmpfs-size":
			n, err := units.RAMInBytes(v)
			if err != nil {
				return bad("tmpfs-size: " + err.Error())
			}
			to().SizeBytes = n
		case "tmpfs-mode":
			n, err := strconv.ParseUint(v, 8, 32)
			if err != nil {
				return bad("tmpfs-mode takes an octal mode")
			}
			to().Mode = uint32(n)
		case "volume-label":
			lk, lv, _ := strings.Cut(v, "=")
			if lk == "" {
				return bad("volume-label takes KEY=VALUE")
			}
			if vo().Labels == nil {
				vo().Labels = map[string]string{}
			}
			vo().Labels[lk] = lv
		case "volume-driver":
			if v != "local" {
				return bad("volume-driver: only the local driver exists")
			}
		case "volume-opt":
			return bad("volume-opt: the local driver here takes no options")
		case "bind-nonrecursive":
			b, err := boolean()
			if err != nil {
				return bad("bind-nonrecursive takes true or false")
			}
			bo().NonRecursive = b
		case "consistency":
			m.Consistency = v // macOS only; docker ignores it on Linux too
		default:
			return bad(fmt.Sprintf("unknown option %q", k))
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
	if m.BindOptions != nil && m.Type != "bind" || m.VolumeOptions != nil && m.Type != "volume" || m.TmpfsOptions != nil && m.Type != "tmpfs" {
		return bad("an option does not fit type=" + m.Type)
	}
	return m, nil
}

// parseBind reads one -v value: SRC:DST[:OPTS] or DST alone.
func parseBind(s string) (MountPoint, error) {
	bad := func(why string) (MountPoint, error) {
		return MountPoint{}, fmt.Errorf("invalid volume specification %q: %s: %w", s, why, errdefs.ErrInvalid)
	}
	parts := strings.Split(s, ":")
	for _, p := range parts {
		if p == "" {
			return bad("empty section between colons")
		}
	}
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
				return bad(fmt.Sprintf("unknown option %q", o))
			}
		}
		mp.Mode = opts
	}
	return mp, nil
}

var tmpfsFlags = map[string]bool{"ro": true, "rw": true, "suid": true, "nosuid": true, "dev": true, "nodev": true,
	"exec": true, "noexec": true, "sync": true, "async": true, "dirsync": true, "mand": true, "nomand": true,
	"atime": true, "noatime": true, "diratime": true, "nodiratime": true, "relatime": true, "norelatime": true,
	"strictatime": true, "nostrictatime": true}

// checkTmpfsOptions accepts what docker's --tmpfs does: mount flags and
// tmpfs's size, mode, uid, gid, nr_inodes, nr_blocks and mpol.
func checkTmpfsOptions(opts string) error {
	if opts == "" {
		return nil
	}
	for _, o := range strings.Split(opts, ",") {
		k, v, hasV := strings.Cut(o, "=")
		if !hasV {
			if !tmpfsFlags[k] {
				return fmt.Errorf("unknown option %q", o)
			}
			continue
		}
		var err error
		switch k {
		case "size":
			if !strings.HasSuffix(v, "%") {
				_, err = units.RAMInBytes(v)
			}
		case "mode":
			_, err = strconv.ParseUint(v, 8, 32)
		case "uid", "gid", "nr_inodes", "nr_blocks":
			_, err = units.RAMInBytes(v)
		case "mpol":
		default:
			return fmt.Errorf("unknown option %q", o)
		}
		if err != nil {
			return fmt.Errorf("option %q: bad value", o)
		}
	}
	return nil
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
