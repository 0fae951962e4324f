package build

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berthdev/berth/layers"
)

// layerFunc makes a step's layer tarball, only on a cache miss; done
// releases what it holds (the RUN step's container).
type layerFunc func() (r io.Reader, done func(), err error)

// apply applies instruction c to the stage's config. A step with content
// returns its layer (nil: metadata only) and, for COPY and ADD, the
// checksum of its sources; createdBy is its history line when it is not
// the instruction's text.
func (b *builder) apply(ctx context.Context, s *stageState, c instructions.Command, visible []string) (layer layerFunc, sum, createdBy string, err error) {
	switch c := c.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			s.cfg.Env = setEnv(s.cfg.Env, kv.Key, kv.Value)
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			v := kv.ValueString()
			if bv, ok := b.o.BuildArgs[kv.Key]; ok {
				v = bv
			}
			if _, ok := s.args[kv.Key]; !ok {
				s.argKeys = append(s.argKeys, kv.Key)
			}
			s.args[kv.Key] = v
		}
	case *instructions.LabelCommand:
		s.cfg.Labels = mergeLabels(s.cfg.Labels, nil)
		for _, kv := range c.Labels {
			s.cfg.Labels[kv.Key] = kv.Value
		}
	case *instructions.ExposeCommand:
		s.cfg.ExposedPorts = copySet(s.cfg.ExposedPorts)
		for _, p := range c.Ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			s.cfg.ExposedPorts[p] = struct{}{}
		}
	case *instructions.VolumeCommand:
		s.cfg.Volumes = copySet(s.cfg.Volumes)
		for _, v := range c.Volumes {
			s.cfg.Volumes[v] = struct{}{}
		}
	case *instructions.UserCommand:
		s.cfg.User = c.User
	case *instructions.WorkdirCommand:
		wd := c.Path
		if !path.IsAbs(wd) {
			wd = path.Join("/", s.cfg.WorkingDir, wd)
		}
		s.cfg.WorkingDir = wd
	case *instructions.CmdCommand:
		s.cfg.Cmd = shellForm(s, c.CmdLine, c.PrependShell)
		s.cmdSet = true
	case *instructions.EntrypointCommand:
		s.cfg.Entrypoint = shellForm(s, c.CmdLine, c.PrependShell)
		if !s.cmdSet { // docker: an ENTRYPOINT drops the CMD it inherited
			s.cfg.Cmd = nil
		}
	case *instructions.ShellCommand:
		s.cfg.Shell = append([]string(nil), c.Shell...)
	case *instructions.StopSignalCommand:
		s.cfg.StopSignal = c.Signal
	case *instructions.OnbuildCommand:
		s.cfg.OnBuild = append(append([]string(nil), s.cfg.OnBuild...), c.Expression)
	case *instructions.HealthCheckCommand:
		h := c.Health
		s.hc = &layers.Healthcheck{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	case *instructions.RunCommand:
		argv := shellForm(s, c.CmdLine, c.PrependShell)
		createdBy = "RUN " + strings.Join(argv, " ")
		layer = func() (io.Reader, func(), error) { return b.run(ctx, s, argv, visible) }
	case *instructions.CopyCommand:
		layer, sum, err = b.copyLayer(s, c.SourcesAndDest, c.From, c.Chown, c.Chmod)
	case *instructions.AddCommand:
		layer, sum, err = b.addLayer(ctx, s, c)
	default:
		err = fmt.Errorf("instruction not supported")
	}
	return layer, sum, createdBy, err
}

func shellForm(s *stageState, cmd []string, prepend bool) []string {
	if !prepend {
		return append([]string(nil), cmd...)
	}
	sh := s.cfg.Shell
	if len(sh) == 0 {
		sh = []string{"/bin/sh", "-c"}
	}
	return append(append([]string(nil), sh...), strings.Join(cmd, " "))
}

func setEnv(env []string, k, v string) []string {
	out := append([]string(nil), env...)
	for i, kv := range out {
		if strings.HasPrefix(kv, k+"=") {
			out[i] = k + "=" + v
			return out
		}
	}
	return append(out, k+"="+v)
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

func copySet(m map[string]struct{}) map[string]struct{} {
	out := map[string]struct{}{}
	for k := range m {
		out[k] = struct{}{}
	}
	return out
}
