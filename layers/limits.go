package layers

import (
	"bufio"
	"fmt"
	"io"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/internal/errdefs"
)

// Limits bound what one layer may expand to, wherever layer content is
// read from an untrusted source: import, load, pull, commit, build and
// every snapshot unpack. A layer past a limit is refused with an error
// naming it; nothing of it is kept.
type Limits struct {
	// MaxSize is the most bytes one layer's uncompressed tarball may hold.
	// The default is DefaultMaxLayerSize.
	MaxSize int64
	// MaxRatio is how many times its compressed size a layer may expand to,
	// once it is past RatioFloor. The default is DefaultMaxLayerRatio.
	MaxRatio int64
}

const (
	// DefaultMaxLayerSize is 16 GiB: above the largest layers of common
	// images (CUDA and ML runtimes ship 5-10 GiB layers), far below what
	// fills a disk by surprise.
	DefaultMaxLayerSize int64 = 16 << 30
	// DefaultMaxLayerRatio: gzip of ordinary files expands 2-10 times, of
	// text up to ~30; a deflate bomb expands ~1000 times.
	DefaultMaxLayerRatio int64 = 100
	// RatioFloor is what any layer may expand to whatever its ratio, so
	// that small layers of highly compressible files never trip it.
	RatioFloor int64 = 64 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxLayerSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxLayerRatio
	}
	return l
}

// Option configures Open.
type Option func(*Store) error

// WithLimits sets the expansion limits of every layer the store reads.
// Zero fields take their defaults. The default is Limits{}.
func WithLimits(l Limits) Option {
	return func(s *Store) error {
		if l.MaxSize < 0 || l.MaxRatio < 0 {
			return fmt.Errorf("layer limits: negative value: %w", errdefs.ErrInvalid)
		}
		s.limits = l.withDefaults()
		return nil
	}
}

// boundedReader fails once what it has read passes the store's limits:
// MaxSize, and MaxRatio times the compressed bytes (known in advance as
// size, or counted as they are read from in when the size is unknown).
type boundedReader struct {
	r      io.Reader
	limits Limits
	size   int64        // compressed size; <= 0 when unknown or not compressed
	in     *countReader // compressed bytes read so far; nil if not compressed
	n      int64
}

// countReader counts what is read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// check fails once the layer is past a limit.
func (b *boundedReader) check() error {
	if b.n > b.limits.MaxSize {
		return fmt.Errorf("unpacks to more than %s, the per-layer limit (BERTH_MAX_LAYER_SIZE or --max-layer-size raise it): %w",
			units.BytesSize(float64(b.limits.MaxSize)), errdefs.ErrInvalid)
	}
	if b.n <= RatioFloor {
		return nil
	}
	compressed := b.size
	if compressed <= 0 && b.in != nil {
		compressed = b.in.n
	}
	if (b.size > 0 || b.in != nil) && b.n/b.limits.MaxRatio > compressed {
		return fmt.Errorf("expands more than %d times its compressed size, the limit (BERTH_MAX_LAYER_RATIO or --max-layer-ratio raise it): %w",
			b.limits.MaxRatio, errdefs.ErrInvalid)
	}
	return nil
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if cerr := b.check(); cerr != nil {
		return n, cerr
	}
	return n, err
}

// decompressBounded is decompress, with the uncompressed stream bounded by
// the store's limits. size is the compressed size if known, else 0.
func (s *Store) decompressBounded(r io.Reader, size int64) (io.Reader, func(), error) {
	in := &countReader{r: r}
	zr, closeZ, err := decompress(in)
	if err != nil {
		return nil, nil, err
	}
	b := &boundedReader{r: zr, limits: s.limits}
	if _, plain := zr.(*bufio.Reader); !plain {
		b.size, b.in = size, in
	}
	return b, closeZ, nil
}
