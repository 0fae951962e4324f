package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/berthdev/berth/engine"
)

// Tag adds dst to the tags of the image src names.
func (f *fakeEngine) Tag(src, dst string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("tag " + src + " " + dst)
	if err := f.fail["tag"]; err != nil {
		return err
	}
	i, ok := f.image(src)
	if !ok {
		return fmt.Errorf("no such image: %s", src)
	}
	if !slices.Contains(f.images[i].RepoTags, dst) {
		f.images[i].RepoTags = append(f.images[i].RepoTags, dst)
	}
	f.events <- engine.Event{Type: "image", Action: "tag", Actor: engine.EventActor{ID: f.images[i].ID, Attributes: map[string]string{"name": dst}}}
	return nil
}

// pushedDigest is the manifest digest a fake push reports.
var pushedDigest = "sha256:" + strings.Repeat("7a", 32)

// Push reports a deterministic upload of two layers (one the registry
// has already, one sent), waits at the pull hold half way, and finishes.
func (f *fakeEngine) Push(ctx context.Context, ref string, o engine.RegistryOptions) (*engine.PushResult, error) {
	f.recordLocked(fmt.Sprintf("push %s insecure=%v", ref, o.Insecure))
	report := o.Progress
	if report == nil {
		report = func(engine.TransferProgress) {}
	}
	if err := f.fail["push"]; err != nil {
		return nil, err
	}
	f.mu.Lock()
	_, ok := f.image(ref)
	f.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no such image: %s", ref)
	}
	const a, b = "a3ed95caeb02", "4f4fb700ef54"
	report(engine.TransferProgress{ID: a, Action: "Waiting", Total: 2_170_000})
	report(engine.TransferProgress{ID: b, Action: "Layer already exists", Current: 32, Total: 32})
	report(engine.TransferProgress{ID: a, Action: "Pushing", Current: 1_000_000, Total: 2_170_000})
	if err := waitHold(ctx, f.holds().pull); err != nil {
		return nil, fmt.Errorf("pushing %s: %w", ref, err)
	}
	report(engine.TransferProgress{ID: a, Action: "Pushed", Current: 2_170_000, Total: 2_170_000})
	f.events <- engine.Event{Type: "image", Action: "push", Actor: engine.EventActor{ID: pushedDigest, Attributes: map[string]string{"name": ref}}}
	return &engine.PushResult{Ref: ref, Tag: "v2", Digest: pushedDigest, Size: 528}, nil
}
