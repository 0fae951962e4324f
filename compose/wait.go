package compose

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berthdev/berth/engine"
)

// waitDependencies waits for each of s's dependencies' condition.
func (r *Runner) waitDependencies(ctx context.Context, s types.ServiceConfig, timeout time.Duration) error {
	names := make([]string, 0, len(s.DependsOn))
	for d := range s.DependsOn {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		dep := s.DependsOn[d]
		cs := r.serviceContainers(d)
		if len(cs) == 0 {
			if !dep.Required {
				continue
			}
			return fmt.Errorf("service %q depends on %q, which has no container", s.Name, d)
		}
		for _, c := range cs {
			if err := r.waitCondition(ctx, d, c, dep.Condition, timeout); err != nil {
				if !dep.Required {
					continue
				}
				if dep.Condition == types.ServiceConditionCompletedSuccessfully {
					return err // docker compose's words: service "x" didn't complete successfully: exit N
				}
				return fmt.Errorf("dependency failed to start: %w", err)
			}
		}
	}
	return nil
}

// waitCondition waits for a container of service to meet cond.
func (r *Runner) waitCondition(ctx context.Context, service string, c engine.ContainerSummary, cond string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	name := Name(c)
	for {
		in, err := r.E.Inspect(c.ID)
		if err != nil {
			return err
		}
		st := in.State
		switch cond {
		case types.ServiceConditionCompletedSuccessfully:
			if !st.Running && st.Status != "created" {
				if st.ExitCode != 0 {
					return fmt.Errorf("service %q didn't complete successfully: exit %d", service, st.ExitCode)
				}
				return nil
			}
		case types.ServiceConditionHealthy:
			if in.Config.Healthcheck == nil || len(in.Config.Healthcheck.Test) == 0 || in.Config.Healthcheck.Test[0] == "NONE" {
				return fmt.Errorf("container %s has no healthcheck configured (service %q)", name, service)
			}
			if st.Health != nil && st.Health.Status == engine.HealthHealthy {
				return nil
			}
			if st.Health != nil && st.Health.Status == engine.HealthUnhealthy {
				return fmt.Errorf("container %s is unhealthy", name)
			}
			if !st.Running {
				return fmt.Errorf("container %s exited (%d)", name, st.ExitCode)
			}
		default: // service_started
			if st.Running || st.Status == "exited" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: not %s after %v", name, condWord(cond), timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func condWord(cond string) string {
	switch cond {
	case types.ServiceConditionHealthy:
		return "healthy"
	case types.ServiceConditionCompletedSuccessfully:
		return "completed"
	}
	return "started"
}
