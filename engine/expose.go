package engine

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// exposedPorts is a new container's ExposedPorts, as docker makes them:
// the image's, each --expose (a port, or a range "8000-8010", with an
// optional "/udp"), and every port -p publishes.
func exposedPorts(image map[string]struct{}, expose []string, bindings map[string][]PortBinding) (map[string]struct{}, error) {
	if len(expose) == 0 && len(bindings) == 0 {
		return image, nil
	}
	out := maps.Clone(image)
	if out == nil {
		out = map[string]struct{}{}
	}
	for _, e := range expose {
		ports, proto, _ := strings.Cut(e, "/")
		lo, hi, isRange := strings.Cut(ports, "-")
		if !isRange {
			hi = lo
		}
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || first > last || last-first > 65535 {
			return nil, fmt.Errorf("invalid range format for --expose: %s: %w", e, errdefs.ErrInvalid)
		}
		for p := first; p <= last; p++ {
			key, err := network.ExposedKey(strconv.Itoa(p) + "/" + firstNonEmpty(proto, "tcp"))
			if err != nil {
				return nil, fmt.Errorf("--expose %s: %w", e, err)
			}
			out[key] = struct{}{}
		}
	}
	for key := range bindings {
		out[key] = struct{}{}
	}
	return out, nil
}

// stopSettings are --stop-signal and --stop-timeout over the image's
// STOPSIGNAL and docker's 10 seconds; a timeout of -1 waits for ever.
func stopSettings(imageSignal, signal string, timeout *int) (string, time.Duration, error) {
	sig := firstNonEmpty(signal, imageSignal, "SIGTERM")
	if _, err := ParseSignal(sig); err != nil {
		return "", 0, fmt.Errorf("invalid stop signal %q: %w", sig, errdefs.ErrInvalid)
	}
	d := 10 * time.Second
	if timeout != nil {
		switch {
		case *timeout == -1:
			d = -1
		case *timeout < -1:
			return "", 0, fmt.Errorf("invalid stop timeout %d: must be -1 (no limit) or more: %w", *timeout, errdefs.ErrInvalid)
		default:
			d = time.Duration(*timeout) * time.Second
		}
	}
	return sig, d, nil
}

// stopTimeoutSeconds is inspect's Config.StopTimeout: nil for docker's
// default, -1 for no limit.
func stopTimeoutSeconds(d time.Duration) *int {
	if d == 10*time.Second || d == 0 {
		return nil
	}
	n := -1
	if d > 0 {
		n = int(d / time.Second)
	}
	return &n
}
