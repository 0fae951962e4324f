package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// baseImage is a stage's FROM image, pulled as the build's pull policy
// says (docker's build pulls a missing base; --pull asks the registry
// every time). The pull's lines go to the build's progress as output.
func (b *builder) baseImage(ctx context.Context, base string) (*layers.Image, error) {
	policy := b.o.Pull
	switch policy {
	case "", "missing":
		policy = "missing"
	case "always", "never":
	default:
		return nil, fmt.Errorf("invalid pull policy %q: must be one of always, missing, never: %w", b.o.Pull, errdefs.ErrInvalid)
	}
	if policy != "always" {
		img, err := b.e.images.Resolve(base)
		if err == nil || !errors.Is(err, errdefs.ErrNotFound) || policy == "never" {
			return img, err
		}
	}
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: b.text, Status: "output", Output: "pulling " + base + "\n"})
	res, err := b.e.Pull(ctx, base, RegistryOptions{})
	if err != nil {
		return nil, err
	}
	b.progress(BuildEvent{Step: b.step, Total: b.total, Text: b.text, Status: "output", Output: "pulled " + res.Ref + " " + res.Digest + "\n"})
	return b.e.images.Resolve(res.ID)
}
