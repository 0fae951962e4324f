package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// PlayOptions are `kube play`'s.
type PlayOptions struct {
	// Replace removes the manifest's pods (and the volumes Play made for
	// them) before playing it. The default refuses pods whose containers
	// exist.
	Replace bool
	// Pull is "always", "missing" or "never"; the default follows each
	// container's imagePullPolicy (IfNotPresent when unset).
	Pull string
	// InfraImage runs the pods' infra containers (it needs sleep). The
	// default is busybox, made from the host's static busybox when missing.
	InfraImage string
	// ServiceAddress is the host address Services publish on. The default
	// is all of the host's, as a NodePort.
	ServiceAddress string
	// Registry is handed to pulls.
	Registry engine.RegistryOptions
	// Progress receives one line per object made; nil is silent.
	Progress io.Writer
}

func (o PlayOptions) infraImage() string {
	return firstNonEmpty(o.InfraImage, layers.BootstrapRef)
}

func (o PlayOptions) say(format string, a ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", a...)
	}
}

// Play runs a manifest: all of it, or, when a step fails, nothing (what
// it created is removed again). Warnings list what it ignored.
func Play(ctx context.Context, e *engine.Engine, m *Manifest, o PlayOptions) (warnings []string, err error) {
	switch o.Pull {
	case "", "always", "missing", "never":
	default:
		return nil, fmt.Errorf("--pull %q: must be always, missing or never", o.Pull)
	}
	pods, warnings, err := plan(m, o)
	warnings = append(append([]string{}, m.Warnings...), warnings...)
	if err != nil {
		return warnings, err
	}
	if err := checkFree(e, pods, o.Replace); err != nil {
		return warnings, err
	}
	if err := ensureImages(ctx, e, pods, o); err != nil {
		return warnings, err
	}
	if o.Replace {
		if err := down(ctx, e, podNames(pods), deploymentNames(m), o); err != nil {
			return warnings, err
		}
	}
	r := &rollback{e: e}
	defer func() {
		if err != nil {
			r.undo()
		}
	}()
	for _, c := range m.Claims {
		if err := r.volume(c.Name, nil); err != nil {
			return warnings, fmt.Errorf("persistentvolumeclaim %q: %w", c.Name, err)
		}
	}
	for _, pp := range pods {
		if err := playPod(ctx, r, pp, o); err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}

// checkFree refuses to play over existing containers unless replacing
// (then only containers of the same pods may be in the way).
func checkFree(e *engine.Engine, pods []*podPlan, replace bool) error {
	all, err := e.List(true)
	if err != nil {
		return err
	}
	byName := map[string]engine.ContainerSummary{}
	for _, c := range all {
		if len(c.Names) > 0 {
			byName[c.Names[0]] = c
		}
	}
	for _, pp := range pods {
		names := []string{pp.Infra.Name}
		for _, c := range append(append([]engine.CreateOptions{}, pp.Init...), pp.Containers...) {
			names = append(names, c.Name)
		}
		for _, n := range names {
			c, ok := byName[n]
			if !ok {
				continue
			}
			if !replace {
				return fmt.Errorf("pod %q: container %q already exists (use --replace): %w", pp.Name, n, errdefs.ErrAlreadyExists)
			}
			if c.Labels[LabelPod] == "" {
				return fmt.Errorf("pod %q: container %q exists and was not made by kube play; remove it first: %w", pp.Name, n, errdefs.ErrAlreadyExists)
			}
		}
	}
	return nil
}

// ensureImages makes sure every image is in the store before anything is
// created: pulled as the policy says, the default infra image bootstrapped.
func ensureImages(ctx context.Context, e *engine.Engine, pods []*podPlan, o PlayOptions) error {
	want := map[string]string{}
	owner := map[string]string{}
	for _, pp := range pods {
		for img, pol := range pp.Pulls {
			if want[img] != "always" {
				want[img] = pol
			}
			if owner[img] == "" {
				owner[img] = pp.Name
			}
		}
	}
	imgs := make([]string, 0, len(want))
	for img := range want {
		imgs = append(imgs, img)
	}
	sort.Strings(imgs)
	for _, img := range imgs {
		pol := firstNonEmpty(o.Pull, want[img])
		_, err := e.ResolveImage(img)
		present := err == nil
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return fmt.Errorf("pod %q: image %q: %w", owner[img], img, err)
		}
		if pol == "never" && !present {
			return fmt.Errorf("pod %q: image %q is not in the store and pulls are off (never): %w", owner[img], img, errdefs.ErrNotFound)
		}
		if pol == "always" || !present {
			o.say("Pulling %s", img)
			if _, err := e.Pull(ctx, img, o.Registry); err != nil {
				return fmt.Errorf("pod %q: pulling %q: %w", owner[img], img, err)
			}
		}
	}
	if len(pods) == 0 {
		return nil
	}
	infra := o.infraImage()
	if _, err := e.ResolveImage(infra); err != nil {
		if !errors.Is(err, errdefs.ErrNotFound) || o.InfraImage != "" {
			return fmt.Errorf("infra image %q: %w", infra, err)
		}
		if _, err := e.Bootstrap(); err != nil {
			return fmt.Errorf("infra image %q: %w", infra, err)
		}
	}
	return nil
}

// playPod creates and starts one pod: volumes, infra, init containers (each
// run to a zero exit), then its containers.
func playPod(ctx context.Context, r *rollback, pp *podPlan, o PlayOptions) error {
	for _, c := range pp.Claims {
		if err := r.volume(c, nil); err != nil {
			return fmt.Errorf("pod %q: volume %q: %w", pp.Name, c, err)
		}
	}
	for _, v := range pp.Volumes {
		if err := r.volume(v.Name, map[string]string{LabelVolume: pp.Name}); err != nil {
			return fmt.Errorf("pod %q: volume %q: %w", pp.Name, v.Name, err)
		}
		if err := writeFiles(r.e, v); err != nil {
			return fmt.Errorf("pod %q: volume %q: %w", pp.Name, v.Name, err)
		}
	}
	if err := r.start(ctx, pp.Infra); err != nil {
		return fmt.Errorf("pod %q: infra container: %w", pp.Name, err)
	}
	for _, c := range pp.Init {
		id, err := r.create(c)
		if err != nil {
			return fmt.Errorf("pod %q: init container %q: %w", pp.Name, c.Labels[LabelContainerName], err)
		}
		if _, err := r.e.Start(ctx, id, nil); err != nil {
			return fmt.Errorf("pod %q: init container %q: %w", pp.Name, c.Labels[LabelContainerName], err)
		}
		code, err := r.e.Wait(ctx, id)
		if err != nil {
			return fmt.Errorf("pod %q: init container %q: %w", pp.Name, c.Labels[LabelContainerName], err)
		}
		if code != 0 {
			return fmt.Errorf("pod %q: init container %q exited with %d", pp.Name, c.Labels[LabelContainerName], code)
		}
	}
	for _, c := range pp.Containers {
		if err := r.start(ctx, c); err != nil {
			return fmt.Errorf("pod %q: container %q: %w", pp.Name, c.Labels[LabelContainerName], err)
		}
	}
	o.say("Pod %s: %d containers started", pp.Name, len(pp.Containers))
	return nil
}

// writeFiles fills a configMap or secret volume. The volume is new; the
// writes are confined to it by os.Root (openat2 RESOLVE_BENEATH) whatever
// the paths say.
func writeFiles(e *engine.Engine, v volumePlan) error {
	if len(v.Files) == 0 {
		return nil
	}
	vol, err := e.InspectVolume(v.Name)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(vol.Mountpoint)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range v.Files {
		if dir := filepath.Dir(f.Path); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
		}
		w, err := root.OpenFile(f.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, os.FileMode(f.Mode))
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		_, err = w.Write(f.Data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
		if err := root.Chmod(f.Path, os.FileMode(f.Mode)); err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	return nil
}

// rollback remembers what Play created, to remove it when a step fails.
type rollback struct {
	e          *engine.Engine
	containers []string // in creation order
	volumes    []string
}

func (r *rollback) create(o engine.CreateOptions) (string, error) {
	id, err := r.e.Create(o)
	if err != nil {
		return "", err
	}
	r.containers = append(r.containers, id)
	return id, nil
}

func (r *rollback) start(ctx context.Context, o engine.CreateOptions) error {
	id, err := r.create(o)
	if err != nil {
		return err
	}
	_, err = r.e.Start(ctx, id, nil)
	return err
}

// volume makes a volume unless it exists (a claim may name one the user
// made); only the ones made here are rolled back.
func (r *rollback) volume(name string, labels map[string]string) error {
	if _, err := r.e.InspectVolume(name); err == nil {
		if labels != nil {
			return fmt.Errorf("volume %q already exists: %w", name, errdefs.ErrAlreadyExists)
		}
		return nil
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	if _, err := r.e.CreateVolume(engine.VolumeCreateOptions{Name: name, Labels: labels}); err != nil {
		return err
	}
	r.volumes = append(r.volumes, name)
	return nil
}

func (r *rollback) undo() {
	ctx := context.Background()
	for i := len(r.containers) - 1; i >= 0; i-- {
		r.e.Remove(ctx, r.containers[i], true)
	}
	for _, v := range r.volumes {
		r.e.RemoveVolume(v, true)
	}
}

func podNames(pods []*podPlan) []string {
	out := make([]string, len(pods))
	for i, p := range pods {
		out[i] = p.Name
	}
	return out
}
