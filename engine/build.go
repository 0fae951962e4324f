package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berthdev/berth/build"
	"github.com/berthdev/berth/layers"
)

// BuildOptions is `berth build`.
type BuildOptions struct {
	ContextDir string
	Dockerfile string            // path; default <context>/Dockerfile
	Tags       []string          // -t
	BuildArgs  map[string]string // --build-arg
	Target     string            // --target
	NoCache    bool
	Labels     map[string]string
	Network    string // --network: none, host or bridge; default the engine's default
	// Pull is when a FROM image is fetched from its registry: "missing"
	// (the default: only when not in the store), "always" (--pull) or
	// "never".
	Pull string
}

// BuildEvent is one step of a build's progress, for the CLI and the TUI.
type BuildEvent struct {
	Step, Total int
	Text        string        // "RUN make"
	Status      string        // "start", "cached", "done", "output", "error", "tag"
	Output      string        // a RUN's output chunk (Status "output")
	Duration    time.Duration // Status "done"/"cached"
	ImageID     string
}

// BuildCacheDir is where the step cache lives.
func (e *Engine) buildCacheDir() string { return filepath.Join(e.root, "buildcache") }

// Build builds an image from a Dockerfile and returns its ID. Steps whose
// key (parent, instruction text, visible build args, COPY source sums)
// is cached are not run; the first miss runs every later step. RUN steps
// run in containers that are removed on success and failure.
func (e *Engine) Build(ctx context.Context, o BuildOptions, progress func(BuildEvent)) (string, error) {
	if progress == nil {
		progress = func(BuildEvent) {}
	}
	bc, err := build.OpenContext(o.ContextDir)
	if err != nil {
		return "", err
	}
	defer bc.Close()
	dfPath := o.Dockerfile
	if dfPath == "" {
		dfPath = filepath.Join(bc.Dir(), "Dockerfile")
	}
	data, err := os.ReadFile(dfPath)
	if err != nil {
		return "", fmt.Errorf("dockerfile %s: not found", dfPath)
	}
	df, err := build.Parse(filepath.Base(dfPath), data)
	if err != nil {
		return "", err
	}
	e.sweepBuildContainers()
	cache, err := build.OpenCache(e.buildCacheDir())
	if err != nil {
		return "", err
	}
	target := len(df.Stages) - 1
	if o.Target != "" {
		i, ok := df.Stage(o.Target)
		if !ok {
			return "", fmt.Errorf("target stage %q: not found in %s", o.Target, df.Name)
		}
		target = i
	}
	order, err := stageOrder(df, target)
	if err != nil {
		return "", err
	}
	b := &builder{e: e, o: o, df: df, ctx: bc, cache: cache, progress: progress, built: map[int]string{}}
	defer func() {
		for _, f := range b.cleanups {
			f()
		}
	}()
	for _, i := range order {
		b.total += 1 + len(df.Stages[i].Commands)
	}
	for _, i := range order {
		if err := b.runStage(ctx, i, i == target); err != nil {
			return "", err
		}
	}
	id := b.built[target]
	img, err := e.images.Resolve(id)
	if err != nil {
		return "", err
	}
	if len(o.Labels) > 0 {
		cfg := img.Config
		cfg.Labels = mergeLabels(cfg.Labels, o.Labels)
		if err := e.withLock(func() (err error) {
			img, err = e.images.AppendStep(img, nil, layers.BuildStepOptions{Config: cfg, CreatedBy: "LABEL " + labelText(o.Labels)})
			return err
		}); err != nil {
			return "", err
		}
	}
	e.markBuildResult(img.ID)
	for _, t := range o.Tags {
		if err := e.Tag(img.ID, t); err != nil {
			return "", err
		}
		progress(BuildEvent{Status: "tag", Text: t, ImageID: img.ID})
	}
	return img.ID, nil
}

func labelText(m map[string]string) string {
	var ks []string
	for k, v := range m {
		ks = append(ks, k+"="+v)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// stageOrder lists the stages target needs, dependencies first, and
// rejects unknown stages and cycles in FROM / COPY --from.
func stageOrder(df *build.Dockerfile, target int) ([]int, error) {
	state := map[int]int{} // 1 visiting, 2 done
	var order []int
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("%s: stage %q: circular dependency through COPY --from or FROM", df.Name, stageName(df, i))
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
				if _, isNum := parseIndex(d); isNum {
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

func parseIndex(s string) (int, bool) {
	var n int
	_, err := fmt.Sscanf(s, "%d", &n)
	return n, err == nil && fmt.Sprint(n) == s
}

func stageName(df *build.Dockerfile, i int) string {
	if df.Stages[i].Name != "" {
		return df.Stages[i].Name
	}
	return fmt.Sprint(i)
}
