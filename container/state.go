package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/lockfile"
)

// The files of a container's directory that this package reads and writes.
const (
	RecordFile = "config.json"
	StateFile  = "state.json"
	LockFile   = "lock"
)

// State is state.json: what happened to a container since it was created.
// The shim and the CLI both change it through UpdateState, each touching
// only the fields it owns.
type State struct {
	Status       Status    `json:"status"`
	Pid          int       `json:"pid,omitempty"`
	ShimPid      int       `json:"shimPid,omitempty"`
	ShimStart    uint64    `json:"shimStart,omitempty"` // start time in clock ticks, against pid reuse
	ExitCode     int       `json:"exitCode"`
	OOMKilled    bool      `json:"oomKilled"`
	Error        string    `json:"error,omitempty"`
	StartedAt    time.Time `json:"startedAt"`
	FinishedAt   time.Time `json:"finishedAt"`
	RestartCount int       `json:"restartCount"`
	StopRequest  bool      `json:"stopRequested,omitempty"`
	MemoryPeak   uint64    `json:"memoryPeak,omitempty"` // of the last run, read as it ended
	// Endpoints and Ports are its network attachments while it runs.
	Endpoints []Endpoint    `json:"endpoints,omitempty"`
	Ports     []PortMapping `json:"ports,omitempty"`
	// Health is set by the shim's health checks while it runs them.
	Health *Health `json:"health,omitempty"`
	// PausedBy is the process that froze the container for a moment of
	// its own (commit): should it die before it thaws it, reconcile does.
	// A pause the user asked for has none and lasts until unpause.
	PausedBy *Holder `json:"pausedBy,omitempty"`
}

// Holder names a process exactly: its pid and its start time in clock
// ticks, so that a reused pid is not taken for it.
type Holder struct {
	Pid   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// Endpoint is a container's attachment to a network.
type Endpoint struct {
	Network     string `json:"network"`
	NetworkID   string `json:"networkId"`
	Interface   string `json:"interface"`
	IPAddress   string `json:"ipAddress"`
	IPPrefixLen int    `json:"ipPrefixLen"`
	Gateway     string `json:"gateway"`
	MacAddress  string `json:"macAddress"`
}

// PortMapping is a published port while the container runs.
type PortMapping struct {
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// Running reports whether a shim is responsible for a process of the
// container (Status.Running).
func (s *State) Running() bool { return s.Status.Running() }

// ReadState reads the state of the container whose directory is dir.
func ReadState(dir string) (*State, error) {
	var s State
	if err := readJSON(filepath.Join(dir, StateFile), &s); err != nil {
		return nil, err
	}
	if !s.Status.Valid() {
		return nil, fmt.Errorf("%s: unknown status %q", filepath.Join(dir, StateFile), s.Status)
	}
	return &s, nil
}

// UpdateState changes the state of the container whose directory is dir,
// under the directory's lock (waited for up to timeout). change edits the
// state as read; its error, or a change of Status that the transition
// table forbids (a *TransitionError), leaves state.json as it was.
// The new state replaces the old whole, but not durably: a crash may undo
// the last change (reconcile corrects what it says).
func UpdateState(dir string, timeout time.Duration, change func(*State) error) (*State, error) {
	l, err := lockfile.Acquire(filepath.Join(dir, LockFile), timeout)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	s, err := ReadState(dir)
	if err != nil {
		return nil, err
	}
	from := s.Status
	if err := change(s); err != nil {
		return nil, err
	}
	if !from.CanBecome(s.Status) {
		return nil, &TransitionError{From: from, To: s.Status}
	}
	if err := atomicfile.ReplaceJSON(filepath.Join(dir, StateFile), s, 0o600); err != nil {
		return nil, err
	}
	return s, nil
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
