package build

import (
	"context"
	"io"
	"time"

	"github.com/berthdev/berth/layers"
)

// Engine is what the interpreter needs from the store it builds in: the
// engine implements it (engine/build.go); tests use a fake. Images are
// the store's own (*layers.Image); a step container is created, run to
// its end and removed, and its writable layer read in between.
type Engine interface {
	// Image finds an image by name or ID (FROM, COPY --from).
	Image(ref string) (*layers.Image, error)
	// ImageByDigest loads the image with manifest digest d: a cached
	// step's image, found without a scan of the store.
	ImageByDigest(d string) (*layers.Image, error)
	// Pull fetches ref from its registry; lines describe the pull.
	Pull(ctx context.Context, ref string, lines func(string)) (*layers.Image, error)
	// Healthcheck is img's HEALTHCHECK, nil when it has none.
	Healthcheck(img *layers.Image) (*layers.Healthcheck, error)
	// LowerDirs are img's unpacked layers, top first (overlay order).
	LowerDirs(img *layers.Image) ([]string, error)
	// Commit stores one step: base (nil for scratch) plus the layer
	// tarball r (nil: metadata only) as a new untagged image, under the
	// store lock.
	Commit(base *layers.Image, r io.Reader, opts layers.BuildStepOptions) (*layers.Image, error)
	// Tag names img ref.
	Tag(img *layers.Image, ref string) error

	// Create makes the container a RUN step runs in, without starting it.
	Create(c Container) (id string, err error)
	// Start runs container id to its end, its output to w, and returns
	// its exit code.
	Start(ctx context.Context, id string, w io.Writer) (code int, err error)
	// UpperDir is the writable layer of container id.
	UpperDir(id string) string
	// Remove removes container id and its anonymous volumes.
	Remove(id string)
	// MountDir is a directory private to the store where the build may
	// mount the read-only roots COPY --from reads (under the run root).
	MountDir() string
}

// Container is a RUN step's container.
type Container struct {
	Image      string // image ID
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	Network    string // none, host or bridge; "" the engine's default
}

// Options is `berth build`.
type Options struct {
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

// Event is one step of a build's progress, for the CLI and the TUI.
type Event struct {
	Step, Total int
	Text        string        // "RUN make"
	Status      string        // "start", "cached", "done", "output", "error", "tag"
	Output      string        // a RUN's output chunk (Status "output")
	Duration    time.Duration // Status "done"/"cached"
	ImageID     string
}
