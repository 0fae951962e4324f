package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// Volume is a managed volume: <root>/volumes/<name>/_data, with its
// metadata in volume.json beside it. JSON names are docker's.
type Volume struct {
	Name       string            `json:"Name"`
	Driver     string            `json:"Driver"`
	Mountpoint string            `json:"Mountpoint"`
	CreatedAt  string            `json:"CreatedAt"`
	Labels     map[string]string `json:"Labels"`
	Scope      string            `json:"Scope"`
	Options    map[string]string `json:"Options"`
	// Anonymous volumes are made for `-v /path` and image VOLUMEs; `rm -v`
	// and --rm remove them with their container.
	Anonymous bool `json:"-"`
}

type volumeMeta struct {
	CreatedAt time.Time         `json:"createdAt"`
	Labels    map[string]string `json:"labels,omitempty"`
	Anonymous bool              `json:"anonymous,omitempty"`
	// Options are the local driver's -o type=, device=, o= (volumeopts.go).
	Options map[string]string `json:"options,omitempty"`
}

// VolumeCreateOptions is `berth volume create`.
type VolumeCreateOptions struct {
	Name   string // a random 64-hex name when empty
	Driver string // only "local"
	Labels map[string]string
	// Options are the local driver's: type, device, o (volumeopts.go).
	Options map[string]string
}

// anonymousLabel is the label docker puts on anonymous volumes.
const anonymousLabel = "com.docker.volume.anonymous"

var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

func (e *Engine) volumesDir() string           { return filepath.Join(e.root, "volumes") }
func (e *Engine) volumeDir(name string) string { return filepath.Join(e.volumesDir(), name) }

func checkVolumeName(name string) error {
	if len(name) == 1 {
		return fmt.Errorf("volume name %q is too short, names should be at least two alphanumeric characters: %w", name, errdefs.ErrInvalid)
	}
	if !volumeName.MatchString(name) {
		return fmt.Errorf("volume name %q: includes invalid characters; only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two: %w", name, errdefs.ErrInvalid)
	}
	return nil
}

// CreateVolume makes a volume, or returns the existing one of that name
// (docker's create is idempotent).
func (e *Engine) CreateVolume(o VolumeCreateOptions) (*Volume, error) {
	if o.Driver != "" && o.Driver != "local" {
		// docker's line; berth has the local driver only
		return nil, fmt.Errorf("create %s: error looking up volume plugin %s: plugin %q %w", o.Name, o.Driver, o.Driver, errdefs.ErrNotFound)
	}
	if err := checkVolumeOptions(o.Name, o.Options); err != nil {
		return nil, err
	}
	var v *Volume
	err := e.withLock(func() error {
		var err error
		v, err = e.makeVolume(o.Name, volumeMeta{Labels: o.Labels, Options: o.Options})
		return err
	})
	if err == nil {
		e.emitVolume("create", v.Name)
	}
	return v, err
}

// ensureVolume creates a volume unless it exists; the store lock is held.
// The directory is laid out under a temporary name and renamed into place.
func (e *Engine) ensureVolume(name string, labels map[string]string, anonymous bool) (*Volume, error) {
	return e.makeVolume(name, volumeMeta{Labels: labels, Anonymous: anonymous})
}

// makeVolume is ensureVolume with all of a volume's metadata.
func (e *Engine) makeVolume(name string, meta volumeMeta) (*Volume, error) {
	if name == "" {
		b := make([]byte, 32)
		rand.Read(b)
		name = hex.EncodeToString(b)
	}
	if err := checkVolumeName(name); err != nil {
		return nil, err
	}
	if v, err := e.loadVolume(name); err == nil {
		return v, nil
	}
	if err := os.MkdirAll(e.volumesDir(), 0o711); err != nil {
		return nil, err
	}
	tmp := filepath.Join(e.volumesDir(), ".tmp-"+name)
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "_data"), 0o755); err != nil {
		return nil, err
	}
	meta.CreatedAt = time.Now().UTC()
	if err := atomicfile.WriteJSON(filepath.Join(tmp, "volume.json"), meta, 0o600); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, e.volumeDir(name)); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	atomicfile.SyncDir(e.volumesDir())
	return e.loadVolume(name)
}

func (e *Engine) loadVolume(name string) (*Volume, error) {
	if checkVolumeName(name) != nil {
		return nil, fmt.Errorf("volume %s: %w", name, errdefs.ErrNotFound)
	}
	var m volumeMeta
	if err := readJSON(filepath.Join(e.volumeDir(name), "volume.json"), &m); err != nil {
		return nil, fmt.Errorf("volume %q: %w", name, errdefs.ErrNotFound)
	}
	labels := map[string]string{}
	for k, v := range m.Labels {
		labels[k] = v
	}
	if m.Anonymous {
		labels[anonymousLabel] = "" // docker 23+ marks them so
	}
	opts := map[string]string{}
	for k, v := range m.Options {
		opts[k] = v
	}
	return &Volume{Name: name, Driver: "local", Mountpoint: filepath.Join(e.volumeDir(name), "_data"),
		CreatedAt: m.CreatedAt.Format(time.RFC3339), Labels: labels, Scope: "local",
		Options: opts, Anonymous: m.Anonymous}, nil
}

// InspectVolume is `berth volume inspect`.
func (e *Engine) InspectVolume(name string) (*Volume, error) { return e.loadVolume(name) }

// VolumeSummary is one row of `berth volume ls`.
type VolumeSummary struct {
	Volume
	UsedBy []string // containers (names) that mount it
}

// ListVolumes lists the managed volumes, by name, with who uses them.
func (e *Engine) ListVolumes() ([]VolumeSummary, error) {
	ents, err := os.ReadDir(e.volumesDir())
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	users, err := e.volumeUsers()
	if err != nil {
		return nil, err
	}
	var out []VolumeSummary
	for _, ent := range ents {
		if v, err := e.loadVolume(ent.Name()); err == nil {
			out = append(out, VolumeSummary{Volume: *v, UsedBy: users[v.Name]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// volumeUsers maps volume names to the containers (any state) mounting them.
func (e *Engine) volumeUsers() (map[string][]string, error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	users := map[string][]string{}
	for _, id := range ids {
		r, err := e.loadRecord(id)
		if err != nil {
			continue
		}
		for _, m := range r.Mounts {
			if m.Type == "volume" {
				users[m.Name] = append(users[m.Name], r.Name)
			}
		}
	}
	return users, nil
}

// RemoveVolume deletes a volume and its data. A volume that a container
// mounts (running or not) is refused, naming the container; force only
// makes a missing volume no error, as docker's -f does.
func (e *Engine) RemoveVolume(name string, force bool) error {
	err := e.withLock(func() error {
		if _, err := e.loadVolume(name); err != nil {
			if force {
				return nil
			}
			return err
		}
		users, err := e.volumeUsers()
		if err != nil {
			return err
		}
		if u := users[name]; len(u) > 0 {
			return fmt.Errorf("volume %s is in use by container %s: remove the container first: %w", name, u[0], errdefs.ErrFailedPrecondition)
		}
		return e.deleteVolume(name)
	})
	if err == nil {
		e.emitVolume("destroy", name)
	}
	return err
}

// deleteVolume removes a volume's directory: renamed away first, so a crash
// never leaves half a volume under its name. The store lock is held.
func (e *Engine) deleteVolume(name string) error {
	if err := unmountVolume(filepath.Join(e.volumeDir(name), "_data")); err != nil {
		return fmt.Errorf("volume %s: %w", name, err)
	}
	gone := filepath.Join(e.volumesDir(), ".rm-"+name)
	if err := os.Rename(e.volumeDir(name), gone); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

// PruneVolumes removes unused volumes: anonymous ones, or all with all
// (docker 23's `volume prune` and `--all`). It returns the removed names
// and the bytes freed.
func (e *Engine) PruneVolumes(all bool) ([]string, int64, error) {
	var names []string
	var freed int64
	err := e.withLock(func() error {
		vols, err := e.ListVolumes()
		if err != nil {
			return err
		}
		for _, v := range vols {
			if len(v.UsedBy) > 0 || (!all && !v.Anonymous) {
				continue
			}
			size := dirSize(v.Mountpoint)
			if err := e.deleteVolume(v.Name); err != nil {
				return err
			}
			names, freed = append(names, v.Name), freed+size
		}
		return nil
	})
	for _, n := range names {
		e.emitVolume("destroy", n)
	}
	if err == nil {
		e.emit(pruneEvent("volume", freed))
	}
	return names, freed, err
}

// removeAnonymousVolumes deletes the anonymous volumes a removed container
// had, unless another container mounts them too (--volumes-from).
func (e *Engine) removeAnonymousVolumes(mounts []MountPoint) {
	var gone []string
	e.withLock(func() error {
		users, err := e.volumeUsers()
		if err != nil {
			return err // unsure who else mounts them: keep them
		}
		for _, m := range mounts {
			if m.Type != "volume" || len(users[m.Name]) > 0 {
				continue
			}
			if v, err := e.loadVolume(m.Name); err == nil && v.Anonymous && e.deleteVolume(v.Name) == nil {
				gone = append(gone, v.Name)
			}
		}
		return nil
	})
	for _, n := range gone {
		e.emitVolume("destroy", n)
	}
}

func (e *Engine) emitVolume(action, name string) {
	e.emit(Event{Type: "volume", Action: action, Actor: EventActor{ID: name, Attributes: map[string]string{"driver": "local"}}})
}
