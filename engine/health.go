package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// HealthConfig is a container's health check, docker's Config.Healthcheck:
// Test is ["NONE"] (no check), ["CMD", arg...] or ["CMD-SHELL", command];
// a zero duration or retry count takes docker's default (healthDefaults).
type HealthConfig struct {
	Test          []string      `json:"Test,omitempty"`
	Interval      time.Duration `json:"Interval,omitempty"`
	Timeout       time.Duration `json:"Timeout,omitempty"`
	StartPeriod   time.Duration `json:"StartPeriod,omitempty"`
	StartInterval time.Duration `json:"StartInterval,omitempty"`
	Retries       int           `json:"Retries,omitempty"`
}

// Health is docker's State.Health: what the checks found, the last five
// runs first to last.
type Health struct {
	Status        string      `json:"Status"`
	FailingStreak int         `json:"FailingStreak"`
	Log           []HealthLog `json:"Log"`
}

// HealthLog is one run of the check.
type HealthLog struct {
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	ExitCode int       `json:"ExitCode"`
	Output   string    `json:"Output"`
}

// Health statuses, docker's words.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// docker's defaults and limits (daemon/health.go).
const (
	defaultHealthInterval      = 30 * time.Second
	defaultHealthTimeout       = 30 * time.Second
	defaultHealthStartInterval = 5 * time.Second
	defaultHealthRetries       = 3
	healthLogEntries           = 5
	healthMaxOutput            = 4096
	// MinHealthInterval is the shortest interval, timeout, start period
	// or start interval docker accepts.
	MinHealthInterval = time.Millisecond
)

// effectiveHealth merges a container's health options over its image's
// HEALTHCHECK as docker does: --no-healthcheck (Test ["NONE"]) wins; a
// given test replaces the image's; each duration or retry count given
// replaces the image's one. nil means no check runs.
func effectiveHealth(image *layers.Healthcheck, opt *HealthConfig) (*HealthConfig, error) {
	var h HealthConfig
	if image != nil {
		h = HealthConfig{Test: image.Test, Interval: image.Interval, Timeout: image.Timeout,
			StartPeriod: image.StartPeriod, Retries: image.Retries}
	}
	if opt != nil {
		if len(opt.Test) > 0 {
			h.Test = opt.Test
		}
		if opt.Interval != 0 {
			h.Interval = opt.Interval
		}
		if opt.Timeout != 0 {
			h.Timeout = opt.Timeout
		}
		if opt.StartPeriod != 0 {
			h.StartPeriod = opt.StartPeriod
		}
		if opt.StartInterval != 0 {
			h.StartInterval = opt.StartInterval
		}
		if opt.Retries != 0 {
			h.Retries = opt.Retries
		}
	}
	if len(h.Test) == 0 {
		return nil, nil
	}
	if err := validateHealth(&h); err != nil {
		return nil, err
	}
	return &h, nil
}

// validateHealth refuses what docker refuses, before anything is written.
func validateHealth(h *HealthConfig) error {
	switch h.Test[0] {
	case "NONE":
		if len(h.Test) != 1 {
			return fmt.Errorf("health check: NONE takes no command: %w", errdefs.ErrInvalid)
		}
	case "CMD", "CMD-SHELL":
		if len(h.Test) < 2 || strings.TrimSpace(strings.Join(h.Test[1:], "")) == "" {
			return fmt.Errorf("health check: %s needs a command: %w", h.Test[0], errdefs.ErrInvalid)
		}
	default:
		return fmt.Errorf("health check: test %q: must start with NONE, CMD or CMD-SHELL: %w", h.Test[0], errdefs.ErrInvalid)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", h.Interval}, {"timeout", h.Timeout}, {"start period", h.StartPeriod}, {"start interval", h.StartInterval}} {
		if d.v != 0 && d.v < MinHealthInterval {
			return fmt.Errorf("health check: %s %v: must be at least %v: %w", d.name, d.v, MinHealthInterval, errdefs.ErrInvalid)
		}
	}
	if h.Retries < 0 {
		return fmt.Errorf("health check: retries %d: must not be negative: %w", h.Retries, errdefs.ErrInvalid)
	}
	return nil
}

// runsHealth reports whether h asks for checks to run.
func runsHealth(h *HealthConfig) bool { return h != nil && len(h.Test) > 0 && h.Test[0] != "NONE" }

// healthDefaults fills docker's defaults in.
func healthDefaults(h HealthConfig) HealthConfig {
	if h.Interval == 0 {
		h.Interval = defaultHealthInterval
	}
	if h.Timeout == 0 {
		h.Timeout = defaultHealthTimeout
	}
	if h.StartInterval == 0 {
		h.StartInterval = defaultHealthStartInterval
	}
	if h.Retries == 0 {
		h.Retries = defaultHealthRetries
	}
	return h
}

// healthArgv is the command a check runs: CMD's arguments, or CMD-SHELL's
// command under /bin/sh -c.
func healthArgv(h *HealthConfig) []string {
	if h.Test[0] == "CMD-SHELL" {
		return []string{"/bin/sh", "-c", strings.Join(h.Test[1:], " ")}
	}
	return h.Test[1:]
}

// healthMonitor runs a container's checks in its shim while one run of the
// container lasts: the first after the interval (the start interval
// during the start period), then one per interval. stop ends it and waits.
type healthMonitor struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func (m *healthMonitor) stop() {
	if m == nil {
		return
	}
	m.cancel()
	m.done.Wait()
}

// startHealth starts the checks of the container the shim runs now, in
// ctr (the libcontainer container of this run). The state starts as
// "starting".
func (s *shim) startHealth(ctr *libcontainer.Container, started time.Time) *healthMonitor {
	if !runsHealth(s.r.Config.Healthcheck) {
		return nil
	}
	h := healthDefaults(*s.r.Config.Healthcheck)
	s.record("health starting", func(st *state) error {
		st.Health = &Health{Status: HealthStarting, Log: []HealthLog{}}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	m := &healthMonitor{cancel: cancel}
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		for {
			wait := h.Interval
			inStart := time.Since(started) < h.StartPeriod
			if inStart {
				wait = h.StartInterval
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			inStart = time.Since(started) < h.StartPeriod
			entry := s.probe(ctx, ctr, &h)
			if ctx.Err() != nil {
				return // the container ended meanwhile: its result says nothing
			}
			s.applyHealth(entry, inStart, h.Retries)
		}
	}()
	return m
}

// probe runs the check once in the container, as an exec: the container's
// user, environment and working directory; killed at the timeout.
func (s *shim) probe(ctx context.Context, ctr *libcontainer.Container, h *HealthConfig) HealthLog {
	entry := HealthLog{Start: time.Now().UTC()}
	fail := func(code int, msg string) HealthLog {
		entry.End, entry.ExitCode, entry.Output = time.Now().UTC(), code, msg
		return entry
	}
	r := s.r
	ps, err := processSpec(s.merged, healthArgv(h), r.Config.Env, r.Config.User, r.Config.WorkingDir, false)
	if err != nil {
		return fail(-1, err.Error())
	}
	out := &limitedBuffer{max: healthMaxOutput}
	rd, wr, err := os.Pipe()
	if err != nil {
		return fail(-1, err.Error())
	}
	proc := &libcontainer.Process{Args: ps.Args, Env: ps.Env, Cwd: ps.Cwd, UID: int(ps.User.UID), GID: int(ps.User.GID),
		Stdout: wr, Stderr: wr}
	for _, g := range ps.User.AdditionalGids {
		proc.AdditionalGroups = append(proc.AdditionalGroups, int(g))
	}
	copied := make(chan struct{})
	go func() { io.Copy(out, rd); rd.Close(); close(copied) }()
	err = ctr.Run(proc)
	wr.Close()
	if err != nil {
		<-copied
		return fail(-1, "health check: "+startError(err))
	}
	waited := make(chan int, 1)
	go func() { ws, _ := proc.Wait(); waited <- waitStatusCode(ws) }()
	timer := time.NewTimer(h.Timeout)
	defer timer.Stop()
	select {
	case code := <-waited:
		<-copied
		return fail(code, out.String())
	case <-timer.C:
		proc.Signal(unix.SIGKILL)
		<-waited
		<-copied
		return fail(-1, fmt.Sprintf("Health check exceeded timeout (%v)", h.Timeout))
	case <-ctx.Done():
		proc.Signal(unix.SIGKILL)
		<-waited
		<-copied
		return fail(-1, "container stopped")
	}
}

// applyHealth records one check's result as docker does: success makes
// the container healthy; a failure during the start period changes
// nothing; otherwise failures in a row up to retries make it unhealthy.
// A change of status is an event ("health_status: healthy").
func (s *shim) applyHealth(entry HealthLog, inStart bool, retries int) {
	var from, to string
	s.record("health", func(st *state) error {
		if st.Health == nil {
			st.Health = &Health{Status: HealthStarting}
		}
		h := st.Health
		from = h.Status
		if entry.ExitCode == 0 {
			h.Status, h.FailingStreak = HealthHealthy, 0
		} else if !inStart {
			h.FailingStreak++
			if h.FailingStreak >= retries {
				h.Status = HealthUnhealthy
			}
		}
		h.Log = append(h.Log, entry)
		if len(h.Log) > healthLogEntries {
			h.Log = h.Log[len(h.Log)-healthLogEntries:]
		}
		to = h.Status
		return nil
	})
	if to != from && to != "" {
		s.e.emit(containerEvent("health_status: "+to, s.r, nil))
	}
}

// limitedBuffer keeps the first max bytes written and discards the rest.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) String() string { return b.buf.String() }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// healthSuffix is what docker's STATUS column adds for a running
// container with a health check: " (healthy)", " (health: starting)".
func healthSuffix(status string) string {
	switch status {
	case "":
		return ""
	case HealthStarting:
		return " (health: starting)"
	default:
		return " (" + status + ")"
	}
}

// ParseHealthStatus checks a `health=` filter value.
func ParseHealthStatus(v string) error {
	switch v {
	case HealthStarting, HealthHealthy, HealthUnhealthy, "none":
		return nil
	}
	return fmt.Errorf("invalid filter 'health=%s': must be starting, healthy, unhealthy or none: %w", v, errdefs.ErrInvalid)
}
