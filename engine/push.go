package engine

import (
	"context"
	"time"

	"github.com/berthdev/berth/layers"
)

// PushResult is what Push sent, as docker push's last line shows it:
// "<tag>: digest: <digest> size: <size>".
type PushResult struct {
	Ref    string // familiar name
	Tag    string // "latest"; "" when pushed by digest
	Digest string // manifest digest
	Size   int64  // manifest size in bytes
}

// Push uploads the image named ref to the registry the name says
// ("localhost:5000/app:v1"). Blobs the registry has are not sent again.
// The image records where it went, for Images' Source.
func (e *Engine) Push(ctx context.Context, ref string, opts RegistryOptions) (*PushResult, error) {
	p, err := e.images.Push(ctx, ref, ref, e.remoteOptions(opts))
	if err != nil {
		return nil, err
	}
	err = e.withLock(func() error {
		return e.images.RecordSource(layers.Source{Ref: p.Ref, Digest: p.Digest, Action: "push", Time: time.Now().UTC()})
	})
	if err != nil {
		return nil, err
	}
	e.emit(imageEvent("push", p.Digest, p.Ref))
	return &PushResult{Ref: layers.FamiliarName(p.Ref), Tag: p.Tag, Digest: p.Digest, Size: p.Size}, nil
}
