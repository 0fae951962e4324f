package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
)

// RestartPolicy is docker's HostConfig.RestartPolicy: "no" (or ""),
// "on-failure" with an optional maximum of retries (0: no limit),
// "always", "unless-stopped".
type RestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount int    `json:"MaximumRetryCount"`
}

// ParseRestartPolicy reads --restart's value.
func ParseRestartPolicy(s string) (RestartPolicy, error) {
	name, max, hasMax := strings.Cut(s, ":")
	p := RestartPolicy{Name: name}
	switch name {
	case "", "no", "always", "unless-stopped":
		if hasMax {
			return p, fmt.Errorf("restart policy %q: maximum retry count cannot be used with %q", s, name)
		}
	case "on-failure":
		if hasMax {
			n, err := strconv.Atoi(max)
			if err != nil || n < 0 {
				return p, fmt.Errorf("restart policy %q: maximum retry count must be a number of 0 or more", s)
			}
			p.MaximumRetryCount = n
		}
	default:
		return p, fmt.Errorf("restart policy %q: invalid (use no, on-failure[:max-retries], always or unless-stopped)", s)
	}
	if p.Name == "" {
		p.Name = "no"
	}
	return p, nil
}

// validRestart checks a policy given through the API as it would be parsed.
func validRestart(h *HostConfig) error {
	p := h.RestartPolicy
	switch p.Name {
	case "":
		h.RestartPolicy.Name = "no"
	case "no", "always", "unless-stopped", "on-failure":
	default:
		return fmt.Errorf("restart policy %q: invalid (use no, on-failure[:max-retries], always or unless-stopped): %w", p.Name, errdefs.ErrInvalid)
	}
	if p.MaximumRetryCount < 0 || (p.MaximumRetryCount > 0 && p.Name != "on-failure") {
		return fmt.Errorf("restart policy %s: invalid maximum retry count %d: %w", p.Name, p.MaximumRetryCount, errdefs.ErrInvalid)
	}
	if h.AutoRemove && h.RestartPolicy.Name != "no" {
		return fmt.Errorf("conflicting options: cannot combine --restart %s and --rm: %w", h.RestartPolicy.Name, errdefs.ErrInvalid)
	}
	return nil
}

// shouldRestart is the policy's verdict on an exit: restartCount is how
// often the container has been restarted since it was started by hand.
// A stop or kill by the user never restarts (docker: the policy is off
// until the next start).
func shouldRestart(p RestartPolicy, code, restartCount int, stopRequested bool) bool {
	if stopRequested {
		return false
	}
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return code != 0 && (p.MaximumRetryCount == 0 || restartCount < p.MaximumRetryCount)
	}
	return false
}

// backoff is docker's delay between restarts: 100 ms, doubling each time,
// at most a minute, and back to 100 ms after a run of 10 s or more.
type backoff struct{ delay time.Duration }

const (
	backoffFirst = 100 * time.Millisecond
	backoffMax   = time.Minute
	backoffReset = 10 * time.Second
)

func (b *backoff) next(ran time.Duration) time.Duration {
	switch {
	case b.delay == 0 || ran >= backoffReset:
		b.delay = backoffFirst
	default:
		b.delay = min(2*b.delay, backoffMax)
	}
	return b.delay
}
