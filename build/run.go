package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berthdev/berth/layers"
)

// builder is one build in progress.
type builder struct {
	e        Engine
	o        Options
	df       *Dockerfile
	bctx     *Context
	cache    *Cache
	progress func(Event)
	built    map[int]*layers.Image // stage index -> its image
	step     int
	total    int
	cleanups []func()         // unmounts, run when the build ends
	roots    map[string]*Root // image ID -> its root filesystem, see imageRoot
	text     string           // the running step's instruction
}

// Run builds an image from a Dockerfile in the store e fronts, with cache
// that store's build cache, and returns the image. Steps whose key
// (parent, instruction text, visible build args, COPY source sums) is
// cached are not run; the first miss runs every later step. RUN steps run
// in containers that are removed on success and failure. The image is
// recorded as a build result and tagged with o.Tags.
func Run(ctx context.Context, e Engine, cache *Cache, o Options, progress func(Event)) (*layers.Image, error) {
	if progress == nil {
		progress = func(Event) {}
	}
	bc, err := OpenContext(o.ContextDir)
	if err != nil {
		return nil, err
	}
	defer bc.Close()
	dfPath := o.Dockerfile
	if dfPath == "" {
		dfPath = filepath.Join(bc.Dir(), "Dockerfile")
	}
	data, err := os.ReadFile(dfPath)
	if err != nil {
		return nil, fmt.Errorf("dockerfile %s: not found", dfPath)
	}
	df, err := Parse(filepath.Base(dfPath), data)
	if err != nil {
		return nil, err
	}
	target := len(df.Stages) - 1
	if o.Target != "" {
		i, ok := df.Stage(o.Target)
		if !ok {
			return nil, fmt.Errorf("target stage %q: not found in %s", o.Target, df.Name)
		}
		target = i
	}
	order, err := stageOrder(df, target)
	if err != nil {
		return nil, err
	}
	b := &builder{e: e, o: o, df: df, bctx: bc, cache: cache, progress: progress, built: map[int]*layers.Image{}}
	defer func() {
		for _, f := range b.cleanups {
			f()
		}
	}()
	for _, i := range order {
		b.total += 1 + len(df.Stages[i].Commands)
	}
	for _, i := range order {
		if err := b.runStage(ctx, i); err != nil {
			return nil, err
		}
	}
	img := b.built[target]
	if len(o.Labels) > 0 {
		cfg := img.Config
		cfg.Labels = mergeLabels(cfg.Labels, o.Labels)
		parent := img
		if img, err = e.Commit(img, nil, layers.BuildStepOptions{Config: cfg, CreatedBy: "LABEL " + labelText(o.Labels)}); err != nil {
			return nil, err
		}
		if err := cache.AddStep(Step{ID: img.ID, Digest: img.Digest, Parent: parent.ID, Created: img.Created}); err != nil {
			return nil, err
		}
	}
	if err := cache.MarkResult(img.ID); err != nil {
		return nil, err
	}
	for _, t := range o.Tags {
		if err := e.Tag(img, t); err != nil {
			return nil, err
		}
		progress(Event{Status: "tag", Text: t, ImageID: img.ID})
	}
	return img, nil
}

func labelText(m map[string]string) string {
	var ks []string
	for k, v := range m {
		ks = append(ks, k+"="+v)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

func mergeLabels(image, user map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range image {
		out[k] = v
	}
	for k, v := range user {
		out[k] = v
	}
	return out
}

// stageOrder lists the stages target needs, dependencies first, and
// rejects unknown stages and cycles in FROM / COPY --from.
func stageOrder(df *Dockerfile, target int) ([]int, error) {
	state := map[int]int{} // 1 visiting, 2 done
	var order []int
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("%s: stage %q: circular dependency through COPY --from or FROM", df.Name, df.StageName(i))
		case 2:
			return nil
		}
		state[i] = 1
		deps := []string{}
		if j, ok := df.Stage(df.Stages[i].BaseName); ok && j < i {
			deps = append(deps, df.Stages[i].BaseName)
		}
		for _, c := range df.Stages[i].Commands {
			if cp, ok := c.(*instructions.CopyCommand); ok && cp.From != "" {
				deps = append(deps, cp.From)
			}
		}
		for _, d := range deps {
			j, ok := df.Stage(d)
			if !ok {
				if _, isNum := stageIndex(d); isNum {
					return fmt.Errorf("%s: COPY --from=%s: unknown stage", df.Name, d)
				}
				continue // an image name
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		order = append(order, i)
		return nil
	}
	return order, visit(target)
}
