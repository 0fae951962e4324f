package main

import (
	"fmt"
	"os"
	"strconv"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// layerLimits fills opts' layer expansion limits from the global flags or,
// when a flag is not given, the environment. A bad value is refused
// naming where it came from, rather than silently falling back to the
// default.
func (c *cli) layerLimits(opts *engine.Options) error {
	size, from := c.maxLayerSize, "--max-layer-size"
	if size == "" {
		size, from = os.Getenv("BERTH_MAX_LAYER_SIZE"), "BERTH_MAX_LAYER_SIZE"
	}
	if size != "" {
		n, err := units.RAMInBytes(size)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s %q: want a size such as 16GiB or 512MiB: %w", from, size, errdefs.ErrInvalid)
		}
		opts.MaxLayerSize = n
	}
	ratio, from := c.maxLayerRatio, "--max-layer-ratio"
	if ratio == "" {
		ratio, from = os.Getenv("BERTH_MAX_LAYER_RATIO"), "BERTH_MAX_LAYER_RATIO"
	}
	if ratio != "" {
		n, err := strconv.ParseInt(ratio, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s %q: want a positive whole number: %w", from, ratio, errdefs.ErrInvalid)
		}
		opts.MaxLayerRatio = n
	}
	return nil
}
