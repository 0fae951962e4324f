package main

import (
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/berthdev/berth/engine"
)

// healthFlags are docker's --health-* flags of run and create.
type healthFlags struct {
	cmd                                        string
	interval, timeout, startPeriod, startIntvl time.Duration
	retries                                    int
	none                                       bool
}

func (h *healthFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&h.cmd, "health-cmd", "", "Command to run to check health")
	fs.DurationVar(&h.interval, "health-interval", 0, "Time between running the check (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.timeout, "health-timeout", 0, "Maximum time to allow one check to run (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.startPeriod, "health-start-period", 0, "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.startIntvl, "health-start-interval", 0, "Time between running the check during the start period (ms|s|m|h) (default 0s)")
	fs.IntVar(&h.retries, "health-retries", 0, "Consecutive failures needed to report unhealthy")
	fs.BoolVar(&h.none, "no-healthcheck", false, "Disable any container-specified HEALTHCHECK")
}

// options is the engine's Healthcheck: nil when no flag was given.
func (h *healthFlags) options(fs *pflag.FlagSet) (*engine.HealthConfig, error) {
	changed := false
	for _, n := range []string{"health-cmd", "health-interval", "health-timeout", "health-start-period", "health-start-interval", "health-retries"} {
		changed = changed || fs.Changed(n)
	}
	if h.none {
		if changed {
			return nil, errors.New("--no-healthcheck conflicts with --health-* options")
		}
		return &engine.HealthConfig{Test: []string{"NONE"}}, nil
	}
	if !changed {
		return nil, nil
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--health-interval", h.interval}, {"--health-timeout", h.timeout}, {"--health-start-period", h.startPeriod}, {"--health-start-interval", h.startIntvl}} {
		if d.v < 0 || (d.v > 0 && d.v < engine.MinHealthInterval) {
			return nil, errors.New(d.flag + " cannot be negative or less than " + engine.MinHealthInterval.String())
		}
	}
	if h.retries < 0 {
		return nil, errors.New("--health-retries cannot be negative")
	}
	hc := &engine.HealthConfig{Interval: h.interval, Timeout: h.timeout, StartPeriod: h.startPeriod,
		StartInterval: h.startIntvl, Retries: h.retries}
	if h.cmd != "" {
		hc.Test = []string{"CMD-SHELL", h.cmd}
	}
	return hc, nil
}
