package layers

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ociLayers gives layer descriptors the OCI media types of their docker
// counterparts, so that an image committed on top of a docker-typed base
// (pulled from a registry in docker schema 2) has one media-type family:
// an OCI manifest naming docker layer types is refused by strict
// registries and tools. The blobs are the same bytes (docker's gzip and
// tar layers are OCI's), so digests and sizes do not change. The input is
// not changed.
func ociLayers(layers []v1.Descriptor) []v1.Descriptor {
	out := make([]v1.Descriptor, len(layers))
	for i, d := range layers {
		switch d.MediaType {
		case types.DockerLayer:
			d.MediaType = types.OCILayer
		case types.DockerUncompressedLayer:
			d.MediaType = types.OCIUncompressedLayer
		case types.DockerForeignLayer:
			d.MediaType = types.OCIRestrictedLayer
		}
		out[i] = d
	}
	return out
}
