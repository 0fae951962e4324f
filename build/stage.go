package build

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/berthdev/berth/layers"
)

// stageState is one stage's state while it builds.
type stageState struct {
	img     *layers.Image // current image (nil = scratch)
	key     string        // cache key chain
	miss    bool          // a step missed: every later step runs
	cfg     layers.ImageConfig
	hc      *layers.Healthcheck
	cmdSet  bool              // a CMD of this stage: ENTRYPOINT keeps it
	args    map[string]string // ARGs declared in the stage, with values
	argKeys []string
}

// id is the current image's ID, "" for scratch.
func (s *stageState) id() string {
	if s.img == nil {
		return ""
	}
	return s.img.ID
}

func (b *builder) runStage(ctx context.Context, i int) error {
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
	b.progress(Event{Step: b.step, Total: b.total, Text: text, Status: "start"})
	if j, ok := b.df.Stage(base); ok && j < i {
		s.img = b.built[j]
	} else if base != "scratch" {
		if s.img, err = b.baseImage(ctx, base); err != nil {
			return b.fail(text, err)
		}
	}
	if s.img != nil {
		s.cfg = s.img.Config
		if s.hc, err = b.e.Healthcheck(s.img); err != nil {
			return b.fail(text, err)
		}
	}
	triggers, err := Triggers(s.cfg.OnBuild)
	if err != nil {
		return b.fail(text, fmt.Errorf("base image %q: %v", base, err))
	}
	s.cfg.OnBuild = nil
	b.total += len(triggers)
	s.key = Key("", "FROM "+s.id(), nil, "")
	b.progress(Event{Step: b.step, Total: b.total, Text: text, Status: "done", Duration: time.Since(start), ImageID: s.id()})
	for _, c := range append(triggers, st.Commands...) {
		if err := b.runCommand(ctx, s, c); err != nil {
			return err
		}
	}
	if s.img == nil {
		// FROM scratch with only metadata: still an image.
		if err := b.commit(s, nil, text); err != nil {
			return err
		}
	}
	b.built[i] = s.img
	return nil
}

func (b *builder) fail(text string, err error) error {
	b.progress(Event{Step: b.step, Total: b.total, Text: text, Status: "error"})
	return fmt.Errorf("step %d/%d %s: %v", b.step, b.total, text, err)
}

// commit stores the stage's next image (the layer r on the current one)
// and records it in the step index.
func (b *builder) commit(s *stageState, r io.Reader, createdBy string) error {
	img, err := b.e.Commit(s.img, r, layers.BuildStepOptions{Config: s.cfg, Healthcheck: s.hc, CreatedBy: createdBy})
	if err != nil {
		return err
	}
	if err := b.cache.AddStep(Step{ID: img.ID, Digest: img.Digest, Parent: s.id(), Created: img.Created}); err != nil {
		return err
	}
	s.img = img
	return nil
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

// runCommand is one instruction: its config change or layer, then the
// cache lookup, then (on a miss) the commit of its image.
func (b *builder) runCommand(ctx context.Context, s *stageState, c instructions.Command) error {
	b.step++
	start := time.Now()
	text := strings.TrimSpace(fmt.Sprint(c))
	b.text = text
	b.progress(Event{Step: b.step, Total: b.total, Text: text, Status: "start"})
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
	layer, sum, createdBy, err := b.apply(ctx, s, c, visible)
	if err != nil {
		return b.fail(text, err)
	}
	if createdBy == "" {
		createdBy = text
	}
	s.key = Key(s.key, text, visible, sum)
	if !s.miss {
		if id, digest, ok := b.cache.Get(s.key); ok {
			if img, err := b.e.ImageByDigest(digest); err == nil && img.ID == id {
				s.img = img
				b.progress(Event{Step: b.step, Total: b.total, Text: text, Status: "cached", Duration: time.Since(start), ImageID: id})
				return nil
			}
		}
		s.miss = true
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
	if err := b.commit(s, r, createdBy); err != nil {
		return b.fail(text, err)
	}
	if err := b.cache.Put(s.key, s.img.ID, s.img.Digest); err != nil {
		return b.fail(text, err)
	}
	b.progress(Event{Step: b.step, Total: b.total, Text: text, Status: "done", Duration: time.Since(start), ImageID: s.img.ID})
	return nil
}
