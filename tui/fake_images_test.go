package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/berthdev/berth/engine"
)

// fakeHolds are the points where a fake pull or build waits, so a test
// can see it mid-way: closed (or the context cancelled) to go on.
type fakeHolds struct {
	pull, build chan struct{}
}

var (
	fakeHoldsMu sync.Mutex
	fakeHold    = map[*fakeEngine]*fakeHolds{}
)

func (f *fakeEngine) holds() *fakeHolds {
	fakeHoldsMu.Lock()
	defer fakeHoldsMu.Unlock()
	h := fakeHold[f]
	if h == nil {
		h = &fakeHolds{}
		fakeHold[f] = h
	}
	return h
}

// holdPull makes the next pulls wait half way until release is called.
func (f *fakeEngine) holdPull() (release func()) {
	ch := make(chan struct{})
	f.holds().pull = ch
	return sync.OnceFunc(func() { close(ch) })
}

// holdBuild makes the next builds wait in their RUN step until release.
func (f *fakeEngine) holdBuild() (release func()) {
	ch := make(chan struct{})
	f.holds().build = ch
	return sync.OnceFunc(func() { close(ch) })
}

// waitHold waits at a hold point, if there is one.
func waitHold(ctx context.Context, hold chan struct{}) error {
	if hold == nil {
		return nil
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pulledID is the ID of the image a fake pull makes.
var pulledID = "sha256:" + strings.Repeat("9f", 32)

// Pull reports a deterministic transfer of three layers (one stored
// already, one downloaded and verified, one half way), waits at the pull
// hold, finishes, and names the image.
func (f *fakeEngine) Pull(ctx context.Context, ref string, o engine.RegistryOptions) (*engine.PullResult, error) {
	f.recordLocked(fmt.Sprintf("pull %s platform=%s insecure=%v", ref, o.Platform, o.Insecure))
	report := o.Progress
	if report == nil {
		report = func(engine.TransferProgress) {}
	}
	if err := f.fail["pull"]; err != nil {
		return nil, err
	}
	const a, b, c = "a3ed95caeb02", "4f4fb700ef54", "c1d2e3f4a5b6"
	report(engine.TransferProgress{ID: a, Action: "Waiting", Total: 2_170_000})
	report(engine.TransferProgress{ID: b, Action: "Waiting", Total: 32})
	report(engine.TransferProgress{ID: c, Action: "Waiting", Total: 3_400_000})
	report(engine.TransferProgress{ID: b, Action: "Already exists", Current: 32, Total: 32})
	for _, n := range []int64{500_000, 1_000_000, 2_170_000} {
		report(engine.TransferProgress{ID: a, Action: "Downloading", Current: n, Total: 2_170_000})
	}
	report(engine.TransferProgress{ID: a, Action: "Download complete", Current: 2_170_000, Total: 2_170_000})
	report(engine.TransferProgress{ID: c, Action: "Downloading", Current: 1_700_000, Total: 3_400_000})
	if err := waitHold(ctx, f.holds().pull); err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	report(engine.TransferProgress{ID: c, Action: "Downloading", Current: 3_400_000, Total: 3_400_000})
	report(engine.TransferProgress{ID: c, Action: "Download complete", Current: 3_400_000, Total: 3_400_000})
	f.mu.Lock()
	f.images = append(f.images, engine.ImageSummary{ID: pulledID, RepoTags: []string{ref}, Created: epoch.Add(-time.Hour), Size: 5_570_032})
	f.mu.Unlock()
	f.events <- engine.Event{Type: "image", Action: "pull", Actor: engine.EventActor{ID: pulledID}}
	return &engine.PullResult{Ref: ref, Digest: "sha256:" + strings.Repeat("d1", 32), ID: pulledID}, nil
}

// builtID is the ID of the image a fake build makes.
var builtID = "sha256:" + strings.Repeat("5e", 32)

// Build reports a deterministic four-step build (FROM, a RUN with output,
// a cached COPY, CMD), waits at the build hold inside the RUN, and names
// the image; f.fail["build"] is a Dockerfile that does not parse.
func (f *fakeEngine) Build(ctx context.Context, o engine.BuildOptions, progress func(engine.BuildEvent)) (string, error) {
	f.recordLocked(fmt.Sprintf("build %s -f %s -t %v target=%s no-cache=%v", o.ContextDir, o.Dockerfile, o.Tags, o.Target, o.NoCache))
	if err := f.fail["build"]; err != nil {
		return "", err
	}
	step := func(n int, text, status string, d time.Duration, id string) {
		progress(engine.BuildEvent{Step: n, Total: 4, Text: text, Status: status, Duration: d, ImageID: id})
	}
	out := func(s string) {
		progress(engine.BuildEvent{Step: 2, Total: 4, Text: "RUN make", Status: "output", Output: s})
	}
	step(1, "FROM busybox:latest", "start", 0, "")
	step(1, "FROM busybox:latest", "done", 0, "sha256:"+strings.Repeat("ab", 32))
	step(2, "RUN make", "start", 0, "")
	out("cc -o app main.c\n")
	out("compiling 1/3\ncompiling 2/3\n\x1b[1mcompiling\x1b[0m 3/3")
	if err := waitHold(ctx, f.holds().build); err != nil {
		step(2, "RUN make", "error", 0, "")
		return "", err
	}
	out("\nok\n")
	step(2, "RUN make", "done", 1200*time.Millisecond, "sha256:"+strings.Repeat("77", 32))
	step(3, "COPY . /app", "start", 0, "")
	step(3, "COPY . /app", "cached", 0, "sha256:"+strings.Repeat("78", 32))
	step(4, `CMD ["/app/app"]`, "start", 0, "")
	step(4, `CMD ["/app/app"]`, "done", 0, builtID)
	f.mu.Lock()
	f.images = append(f.images, engine.ImageSummary{ID: builtID, RepoTags: o.Tags, Created: epoch, Size: 3_000_000})
	f.mu.Unlock()
	for _, t := range o.Tags {
		progress(engine.BuildEvent{Status: "tag", Text: t, ImageID: builtID})
	}
	f.events <- engine.Event{Type: "image", Action: "tag", Actor: engine.EventActor{ID: builtID}}
	return builtID, nil
}
