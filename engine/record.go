package engine

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/errdefs"
)

// Container statuses, as docker names them (container.Status has them
// typed, with the table of legal changes).
const (
	StatusCreated    = string(container.Created)
	StatusRunning    = string(container.Running)
	StatusPaused     = string(container.Paused)
	StatusRestarting = string(container.Restarting)
	StatusExited     = string(container.Exited)
	StatusDead       = string(container.Dead)
)

// record is what was asked for at create time, in the engine's API types;
// on disk it is containers/<id>/config.json, a container.Record
// (recordschema.go converts). It never changes after create, except Name
// (rename) and Networks (connect, disconnect).
type record struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Created    time.Time     `json:"created"`
	Image      string        `json:"image"`    // as typed
	ImageRef   string        `json:"imageRef"` // normalized name, if any
	ImageID    string        `json:"imageId"`
	LowerDirs  []string      `json:"lowerDirs"` // overlay lowerdirs, top first
	Path       string        `json:"path"`      // argv[0]
	Args       []string      `json:"args"`      // argv[1:]
	Config     recordConfig  `json:"config"`
	Host       HostConfig    `json:"hostConfig"`
	StopSignal string        `json:"stopSignal,omitempty"`
	StopTime   time.Duration `json:"stopTimeout,omitempty"`
	Mounts     []MountPoint  `json:"mounts,omitempty"` // resolved at create
	// Networks are the networks it joins (besides none, host or another
	// container's), with its aliases on each.
	Networks map[string]EndpointConfig `json:"networks,omitempty"`
}

// recordConfig is the container's Config as docker's inspect shows it.
type recordConfig struct {
	Hostname     string              `json:"Hostname"`
	User         string              `json:"User"`
	Env          []string            `json:"Env"`
	Cmd          []string            `json:"Cmd"`
	Entrypoint   []string            `json:"Entrypoint"`
	WorkingDir   string              `json:"WorkingDir"`
	Tty          bool                `json:"Tty"`
	OpenStdin    bool                `json:"OpenStdin"`
	Labels       map[string]string   `json:"Labels"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes"`
	Healthcheck  *HealthConfig       `json:"Healthcheck,omitempty"`
	// Attach are the streams create/run -a named (stdin, stdout, stderr);
	// none is docker's default, stdout and stderr (and stdin with -i).
	// Inspect shows them as AttachStdin/AttachStdout/AttachStderr.
	Attach []string `json:"Attach,omitempty"`
}

// state is what happened since, in the engine's API types; on disk it is
// containers/<id>/state.json, a container.State. The shim and the CLI both
// change it through updateState, each touching only the fields it owns.
type state struct {
	Status       container.Status `json:"status"`
	Pid          int              `json:"pid,omitempty"`
	ShimPid      int              `json:"shimPid,omitempty"`
	ShimStart    uint64           `json:"shimStart,omitempty"` // start time in clock ticks, against pid reuse
	ExitCode     int              `json:"exitCode"`
	OOMKilled    bool             `json:"oomKilled"`
	Error        string           `json:"error,omitempty"`
	StartedAt    time.Time        `json:"startedAt"`
	FinishedAt   time.Time        `json:"finishedAt"`
	RestartCount int              `json:"restartCount"`
	StopRequest  bool             `json:"stopRequested,omitempty"`
	MemoryPeak   uint64           `json:"memoryPeak,omitempty"` // of the last run, read as it ended
	// Endpoints and Ports are its network attachments while it runs.
	Endpoints []Endpoint    `json:"endpoints,omitempty"`
	Ports     []PortMapping `json:"ports,omitempty"`
	Health    *Health       `json:"health,omitempty"` // the shim's health checks
	// PausedBy: the process that froze it for a moment (commit), if any.
	PausedBy *container.Holder `json:"pausedBy,omitempty"`
}

func (s *state) running() bool { return s.Status.Running() }

func (e *Engine) containerDir(id string) string { return filepath.Join(e.containersDir(), id) }

// runDir is the volatile directory of a container: overlay mount point, shim lock.
func (e *Engine) runDir(id string) string { return filepath.Join(e.runRoot, "c", id) }

// sockPath is the shim's attach socket. Unix socket paths are short (108
// bytes), so it is named by the first 32 hex digits of the ID.
func (e *Engine) sockPath(id string) string { return filepath.Join(e.sockDir(), id[:32]) }

func (e *Engine) loadRecord(id string) (*record, error) {
	r, err := container.ReadRecord(e.containerDir(id))
	if err != nil {
		return nil, err
	}
	return recordFromSchema(r), nil
}

func (e *Engine) saveRecord(r *record) error {
	return container.WriteRecord(e.containerDir(r.ID), recordToSchema(r))
}

func (e *Engine) loadState(id string) (*state, error) {
	s, err := container.ReadState(e.containerDir(id))
	if err != nil {
		return nil, err
	}
	return stateFromSchema(s), nil
}

// updateState changes a container's state under its lock. A change of
// status the transition table forbids is a *container.TransitionError, and
// nothing is written.
func (e *Engine) updateState(id string, change func(*state) error) (*state, error) {
	var out *state
	_, err := container.UpdateState(e.containerDir(id), e.lockTimeout, func(cs *container.State) error {
		s := stateFromSchema(cs)
		if err := change(s); err != nil {
			return err
		}
		*cs, out = *stateToSchema(s), s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// containerIDs lists the IDs of all containers in the store, oldest first.
func (e *Engine) containerIDs() ([]string, error) {
	entries, err := os.ReadDir(e.containersDir())
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ent := range entries {
		// A container's directory gets its ID name only when it is whole
		// (writeNewContainer) and loses it first when removed.
		if ent.IsDir() && isID(ent.Name()) {
			ids = append(ids, ent.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func isID(s string) bool { return idPattern.MatchString(s) }

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// resolve finds a container by full ID, name, or unique ID prefix, as docker
// does: an exact name wins over an ID prefix.
func (e *Engine) resolve(ref string) (*record, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return nil, fmt.Errorf("container name or ID is empty: %w", errdefs.ErrInvalid)
	}
	if isID(ref) {
		if r, err := e.loadRecord(ref); err == nil {
			return r, nil
		}
	}
	if r, ok := e.nameOwner(ref); ok {
		return r, nil
	}
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	var byPrefix []*record
	for _, id := range ids {
		if !strings.HasPrefix(id, ref) {
			continue
		}
		if r, err := e.loadRecord(id); err == nil {
			byPrefix = append(byPrefix, r)
		}
	}
	switch len(byPrefix) {
	case 1:
		return byPrefix[0], nil
	case 0:
		return nil, fmt.Errorf("container %q: %w", ref, errdefs.ErrNotFound)
	default:
		return nil, fmt.Errorf("container %q: ID prefix matches %d containers: %w", ref, len(byPrefix), errdefs.ErrInvalid)
	}
}

var namePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// checkName validates a new name and that no other container has it.
// The caller holds the store lock.
func (e *Engine) checkName(name, exceptID string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("container name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed: %w", name, errdefs.ErrInvalid)
	}
	if r, ok := e.nameOwner(name); ok && r.ID != exceptID {
		return fmt.Errorf("container name %q is already in use by container %s: %w", name, r.ID[:12], errdefs.ErrAlreadyExists)
	}
	return nil
}

// isNotExist reports whether err says a container's files are gone (removed
// by another process meanwhile).
func isNotExist(err error) bool { return errors.Is(err, os.ErrNotExist) }
