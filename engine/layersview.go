package engine

import (
	"io"

	"github.com/berthdev/berth/layers"
)

// LayerAnalysis is an image's layer table (history entries, empty layers
// included), its efficiency and wasted paths as dive reports them, and, if
// asked, each layer's changes.
type LayerAnalysis = layers.Analysis

// AnalyzeOptions choose what ImageLayers computes beyond the table and
// the efficiency: content digests, per-layer change lists.
type AnalyzeOptions = layers.AnalyzeOptions

// Efficiency is an image's waste as dive reports it.
type Efficiency = layers.Efficiency

// PathEvent is what one layer did to one path.
type PathEvent = layers.PathEvent

// FileDiff is how one path differs between two layers.
type FileDiff = layers.FileDiff

// ImageLayers reads every layer of an image once, streaming, and returns
// its layer table and efficiency.
func (e *Engine) ImageLayers(ref string, o AnalyzeOptions) (*LayerAnalysis, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return e.images.Analyze(img, o)
}

// LayerChanges is what layers from..to of an image change, taken as one
// change set; with from == to, what that one layer's tarball does
// (whiteouts and opaque directories interpreted). Layers count from 0 at
// the bottom.
func (e *Engine) LayerChanges(ref string, from, to int, digests bool) ([]FileEntry, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	if from == to {
		return e.images.LayerChanges(img, from, digests)
	}
	return e.images.Changes(img, from, to, digests)
}

// LayerTree is an image's file system as it stands after layer upTo (a
// negative upTo means the top layer), each path with the layer that last
// set it.
func (e *Engine) LayerTree(ref string, upTo int, digests bool) ([]FileEntry, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	if upTo < 0 {
		upTo = len(img.Layers) - 1
	}
	return e.images.Tree(img, upTo, digests)
}

// PathHistory follows one path through every layer of an image.
func (e *Engine) PathHistory(ref, path string) ([]PathEvent, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return e.images.PathHistory(img, path)
}

// LayerCat writes a file of an image, as it stands after a layer, to w.
func (e *Engine) LayerCat(ref string, layer int, path string, w io.Writer) error {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return err
	}
	return e.images.Cat(img, layer, path, w)
}

// LayerDiff compares a file of an image after layer from and after layer to.
func (e *Engine) LayerDiff(ref, path string, from, to int) (*FileDiff, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	return e.images.DiffFile(img, path, from, to)
}

// LayerExtract writes one layer's files into the host directory dest, or,
// with path set, the one file path (as it stands after the layer) to dest.
func (e *Engine) LayerExtract(ref string, layer int, path, dest string) error {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return err
	}
	if path != "" {
		return e.images.ExtractFile(img, layer, path, dest)
	}
	return e.images.ExtractLayer(img, layer, dest)
}
