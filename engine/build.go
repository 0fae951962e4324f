package engine

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/build"
	"github.com/berthdev/berth/layers"
)

// BuildOptions is `berth build` (package build's Options).
type BuildOptions = build.Options

// BuildEvent is one step of a build's progress, for the CLI and the TUI.
type BuildEvent = build.Event

func (e *Engine) buildCacheDir() string { return filepath.Join(e.root, "buildcache") }

// Build builds an image from a Dockerfile and returns its ID: package
// build interprets the Dockerfile (build.Run) and calls back into the
// engine through buildEngine for images and step containers.
func (e *Engine) Build(ctx context.Context, o BuildOptions, progress func(BuildEvent)) (string, error) {
	cache, err := build.OpenCache(e.buildCacheDir())
	if err != nil {
		return "", err
	}
	e.sweepBuildContainers()
	img, err := build.Run(ctx, buildEngine{e}, cache, o, progress)
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// buildEngine is the engine as package build sees it (build.Engine).
type buildEngine struct{ e *Engine }

func (b buildEngine) Image(ref string) (*layers.Image, error) { return b.e.images.Resolve(ref) }

func (b buildEngine) ImageByDigest(d string) (*layers.Image, error) {
	return b.e.images.ImageByDigest(d)
}

func (b buildEngine) Pull(ctx context.Context, ref string, lines func(string)) (*layers.Image, error) {
	lines("pulling " + ref)
	res, err := b.e.Pull(ctx, ref, RegistryOptions{})
	if err != nil {
		return nil, err
	}
	lines("pulled " + res.Ref + " " + res.Digest)
	return b.e.images.Resolve(res.ID)
}

func (b buildEngine) Healthcheck(img *layers.Image) (*layers.Healthcheck, error) {
	return b.e.images.ImageHealthcheck(img)
}

func (b buildEngine) LowerDirs(img *layers.Image) ([]string, error) { return b.e.images.LowerDirs(img) }

func (b buildEngine) Commit(base *layers.Image, r io.Reader, opts layers.BuildStepOptions) (img *layers.Image, err error) {
	err = b.e.withLock(func() error {
		img, err = b.e.images.AppendStep(base, r, opts)
		return err
	})
	return img, err
}

func (b buildEngine) Tag(img *layers.Image, ref string) error {
	err := b.e.withLock(func() error { return b.e.images.TagImage(img, ref) })
	if err == nil {
		b.e.emit(imageEvent("tag", img.ID, ref))
	}
	return err
}

func (b buildEngine) Create(c build.Container) (string, error) {
	empty := []string{}
	return b.e.Create(CreateOptions{Image: c.Image, Cmd: c.Cmd, Entrypoint: &empty, Env: c.Env,
		WorkingDir: c.WorkingDir, User: c.User,
		Labels: map[string]string{"berth.build": "intermediate", buildPIDLabel: strconv.Itoa(os.Getpid())},
		Host:   HostConfig{NetworkMode: c.Network}})
}

func (b buildEngine) Start(ctx context.Context, id string, w io.Writer) (int, error) {
	return b.e.Start(ctx, id, &Streams{Stdout: w, Stderr: w})
}

func (b buildEngine) UpperDir(id string) string { return filepath.Join(b.e.containerDir(id), "upper") }

func (b buildEngine) Remove(id string) { b.e.RemoveWithVolumes(context.Background(), id, true, true) }

func (b buildEngine) MountDir() string { return filepath.Join(b.e.runRoot, "build") }

// buildPIDLabel names the process whose build made an intermediate
// container.
const buildPIDLabel = "berth.build.pid"

// sweepBuildContainers removes intermediate containers left by builds
// whose process died before it could (killed, SIGPIPE, power loss), once
// they have stopped.
func (e *Engine) sweepBuildContainers() {
	cs, err := e.List(true)
	if err != nil {
		return
	}
	for _, c := range cs {
		pid, err := strconv.Atoi(c.Labels[buildPIDLabel])
		if err != nil || c.Labels["berth.build"] != "intermediate" || (c.State != "exited" && c.State != "created" && c.State != "dead") {
			continue
		}
		if pid == os.Getpid() || unix.Kill(pid, 0) == nil {
			continue // its build is still running
		}
		e.RemoveWithVolumes(context.Background(), c.ID, true, true)
	}
}
