package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/berthdev/berth/build"
	"github.com/berthdev/berth/layers"
)

type builder struct {
	e        *Engine
	o        BuildOptions
	df       *build.Dockerfile
	ctx      *build.Context
	cache    *build.Cache
	progress func(BuildEvent)
	built    map[int]string // stage index -> image ID
	step     int
	total    int
	cleanups []func()               // unmounts, run when the build ends
	roots    map[string]*build.Root // image ID -> its root filesystem, see imageRoot
	text     string                 // the running step's instruction
}

// stageState is one stage's state while it builds.
type stageState struct {
	id      string // current image ID ("" = scratch)
	key     string // cache key chain
	miss    bool   // a step missed: every later step runs
	cfg     layers.ImageConfig
	hc      *layers.Healthcheck
	cmdSet  bool              // a CMD of this stage: ENTRYPOINT keeps it
	args    map[string]string // ARGs declared in the stage, with values
	argKeys []string
}

func (b *builder) runStage(ctx context.Context, i int, final bool) error {
	st := b.df.Stages[i]
	s := &stageState{args: map[string]string{}, miss: b.o.NoCache}
	start := time.Now()
	b.step++
	text := "FROM " + st.BaseName
	meta := map[string]string{}
	for _, p := range []string{"BUILD", "TARGET"} { // docker's automatic platform args
		meta[p+"PLATFORM"], meta[p+"OS"], meta[p+"ARCH"] = "linux/"+runtime.GOARCH, "linux", runtime.GOARCH
	}
	for _, a := range b.df.MetaArgs {
		for _, kv := range a.Args {
			v := kv.ValueString()
			if bv, ok := b.o.BuildArgs[kv.Key]; ok {
				v = bv
			}
			meta[kv.Key] = v
		}
	}
	base, err := expandWord(st.BaseName, meta)
	if err != nil {
		return b.fail(text, err)
	}
	text = "FROM " + base
	if st.Platform != "" {
		plat, err := expandWord(st.Platform, meta)
		if err != nil {
			return b.fail(text, err)
		}
		text = "FROM --platform=" + plat + " " + base
		if want := "linux/" + runtime.GOARCH; plat != want && !strings.HasPrefix(plat, want+"/") {
			return b.fail(text, fmt.Errorf("platform %s: berth builds for %s only", plat, want))
		}
	}
	if st.Name != "" {
		text += " AS " + st.Name
	}
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: text, Status: "start"})
	if j, ok := b.df.Stage(base); ok && j < i {
		s.id = b.built[j]
	} else if base != "scratch" {
		img, err := b.baseImage(ctx, base)
		if err != nil {
			return b.fail(text, err)
		}
		s.id = img.ID
	}
	if s.id != "" {
		img, err := b.e.images.Resolve(s.id)
		if err != nil {
			return b.fail(text, err)
		}
		s.cfg = img.Config
		if s.hc, err = b.e.images.ImageHealthcheck(img); err != nil {
			return b.fail(text, err)
		}
	}
	triggers, err := build.Triggers(s.cfg.OnBuild)
	if err != nil {
		return b.fail(text, fmt.Errorf("base image %q: %v", base, err))
	}
	s.cfg.OnBuild = nil
	b.total += len(triggers)
	s.key = build.Key("", "FROM "+s.id, nil, "")
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: text, Status: "done", Duration: time.Since(start), ImageID: s.id})
	for _, c := range append(triggers, st.Commands...) {
		if err := b.runCommand(ctx, s, c); err != nil {
			return err
		}
	}
	if s.id == "" || !strings.HasPrefix(s.id, "sha256:") {
		// FROM scratch with only metadata: still an image.
		if err := b.e.withLock(func() error {
			img, err := b.e.images.AppendStep(nil, nil, layers.BuildStepOptions{Config: s.cfg, Healthcheck: s.hc, CreatedBy: text})
			if err == nil {
				s.id = img.ID
				b.e.markBuildStep(img.ID)
			}
			return err
		}); err != nil {
			return err
		}
	}
	b.built[i] = s.id
	return nil
}

func (b *builder) fail(text string, err error) error {
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: text, Status: "error"})
	return fmt.Errorf("step %d/%d %s: %v", b.step, b.total, text, err)
}

// env is what words expand against: the stage's ENV and its ARGs.
func (s *stageState) env() map[string]string {
	m := map[string]string{}
	for k, v := range s.args {
		m[k] = v
	}
	for _, kv := range s.cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func expandWord(w string, env map[string]string) (string, error) {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	out, _, err := shell.NewLex('\\').ProcessWord(w, shell.EnvsFromSlice(list))
	return out, err
}

func (b *builder) runCommand(ctx context.Context, s *stageState, c instructions.Command) error {
	b.step++
	start := time.Now()
	text := strings.TrimSpace(fmt.Sprint(c))
	b.text = text
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: text, Status: "start"})
	if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
		env := s.env()
		if err := ex.Expand(func(w string) (string, error) { return expandWord(w, env) }); err != nil {
			return b.fail(text, err)
		}
	}
	var visible []string
	for _, k := range s.argKeys {
		visible = append(visible, k+"="+s.args[k])
	}
	var layer func() (io.Reader, func(), error) // nil: metadata only
	var sum string
	createdBy := text
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
		s.cfg.Cmd = b.shellForm(s, c.CmdLine, c.PrependShell)
		s.cmdSet = true
	case *instructions.EntrypointCommand:
		s.cfg.Entrypoint = b.shellForm(s, c.CmdLine, c.PrependShell)
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
		argv := b.shellForm(s, c.CmdLine, c.PrependShell)
		createdBy = "RUN " + strings.Join(argv, " ")
		layer = func() (io.Reader, func(), error) { return b.run(ctx, s, argv, visible) }
	case *instructions.CopyCommand:
		l, cs, err := b.copyLayer(s, c.SourcesAndDest, c.From, c.Chown, c.Chmod)
		if err != nil {
			return b.fail(text, err)
		}
		layer, sum = l, cs
	case *instructions.AddCommand:
		l, cs, err := b.addLayer(ctx, s, c)
		if err != nil {
			return b.fail(text, err)
		}
		layer, sum = l, cs
	default:
		return b.fail(text, fmt.Errorf("instruction not supported"))
	}
	s.key = build.Key(s.key, text, visible, sum)
	if !s.miss {
		if id, ok := b.cache.Get(s.key); ok {
			if b.e.images.HasConfig(id) {
				s.id = id
				b.progress(BuildEvent{Step: b.step, Total: b.total, Text: text, Status: "cached", Duration: time.Since(start), ImageID: id})
				return nil
			}
		}
		s.miss = true
	}
	var base *layers.Image
	if s.id != "" {
		var err error
		if base, err = b.e.images.Resolve(s.id); err != nil {
			return b.fail(text, err)
		}
	}
	var r io.Reader
	if layer != nil {
		lr, done, err := layer()
		if err != nil {
			return b.fail(text, err)
		}
		defer done()
		r = lr
	}
	var img *layers.Image
	err := b.e.withLock(func() (err error) {
		img, err = b.e.images.AppendStep(base, r, layers.BuildStepOptions{Config: s.cfg, Healthcheck: s.hc, CreatedBy: createdBy})
		return err
	})
	if err != nil {
		return b.fail(text, err)
	}
	s.id = img.ID
	b.e.markBuildStep(img.ID)
	if err := b.cache.Put(s.key, img.ID); err != nil {
		return b.fail(text, err)
	}
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: text, Status: "done", Duration: time.Since(start), ImageID: img.ID})
	return nil
}

func (b *builder) shellForm(s *stageState, cmd []string, prepend bool) []string {
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

func copySet(m map[string]struct{}) map[string]struct{} {
	out := map[string]struct{}{}
	for k := range m {
		out[k] = struct{}{}
	}
	return out
}

// copyLayer prepares a COPY/ADD: its sources' checksum now, the layer
// tarball on demand (only on a cache miss). COPY --from reads the stage's
// or image's root filesystem as a build.Root, so its symlinks resolve
// inside it and never on the host.
func (b *builder) copyLayer(s *stageState, sd instructions.SourcesAndDest, from, chown, chmod string) (func() (io.Reader, func(), error), string, error) {
	if from == "" {
		return b.layerFrom(s, sd, b.ctx.Root, b.ctx, nil, chown, chmod, false)
	}
	j, ok := b.df.Stage(from)
	var id string
	if ok {
		id = b.built[j]
	} else if img, err := b.e.images.Resolve(from); err == nil {
		id = img.ID
	} else {
		return nil, "", fmt.Errorf("COPY --from=%s: no such stage or image", from)
	}
	root, err := b.imageRoot(id)
	if err != nil {
		return nil, "", fmt.Errorf("COPY --from=%s: %v", from, err)
	}
	return b.layerFrom(s, sd, root, nil, nil, chown, chmod, false)
}

// imageRoot is image id's root filesystem as a build.Root: its one layer
// directory, or a read-only overlay of its layers; opened once per build
// and closed (and unmounted) when the build ends.
func (b *builder) imageRoot(id string) (*build.Root, error) {
	if r, ok := b.roots[id]; ok {
		return r, nil
	}
	img, err := b.e.images.Resolve(id)
	if err != nil {
		return nil, err
	}
	dirs, err := b.e.images.LowerDirs(img)
	if err != nil {
		return nil, err
	}
	dir, unmountFn := dirs[0], func() {}
	if len(dirs) > 1 {
		if dir, unmountFn, err = b.mountStage(dirs); err != nil {
			return nil, err
		}
	}
	root, err := build.OpenRoot(dir)
	if err != nil {
		unmountFn()
		return nil, err
	}
	b.cleanups = append(b.cleanups, func() { root.Close(); unmountFn() })
	if b.roots == nil {
		b.roots = map[string]*build.Root{}
	}
	b.roots[id] = root
	return root, nil
}

// layerFrom is COPY and ADD once the source root is known; remote are
// files ADD downloaded, taken as they are.
func (b *builder) layerFrom(s *stageState, sd instructions.SourcesAndDest, root *build.Root, bctx *build.Context, remote []build.File, chown, chmod string, extract bool) (func() (io.Reader, func(), error), string, error) {
	groups, err := build.Sources(root, sd.SourcePaths, bctx)
	if err != nil {
		return nil, "", err
	}
	for _, f := range remote {
		groups = append(groups, build.Group{Src: f.Path, Files: []build.File{f}})
	}
	sum, err := build.Checksum(groups)
	if err != nil {
		return nil, "", err
	}
	spec := build.CopySpec{Dest: sd.DestPath, Extract: extract, DestDir: build.DestIsDir(sd.DestPath, groups)}
	if !path.IsAbs(spec.Dest) {
		spec.Dest = path.Join("/", s.cfg.WorkingDir, spec.Dest)
	}
	if chown != "" {
		if spec.UID, spec.GID, err = b.chownIDs(s, chown); err != nil {
			return nil, "", err
		}
	}
	if chmod != "" {
		m, err := strconv.ParseUint(chmod, 8, 32)
		if err != nil {
			return nil, "", fmt.Errorf("--chmod=%s: not an octal mode", chmod)
		}
		spec.Chmod, spec.HasChmod = fs.FileMode(m), true
	}
	return func() (io.Reader, func(), error) {
		if !spec.DestDir && b.isDirInImage(s.id, spec.Dest) {
			spec.DestDir = true // COPY f /existing-dir copies into it, as docker does
		}
		var buf bytes.Buffer
		if err := build.WriteTar(&buf, groups, spec); err != nil {
			return nil, nil, err
		}
		return &buf, func() {}, nil
	}, sum + "|" + sortedSrc(sd.SourcePaths), nil
}

func sortedSrc(s []string) string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return strings.Join(c, ",")
}
