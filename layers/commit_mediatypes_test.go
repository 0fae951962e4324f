package layers

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestOCILayers(t *testing.T) {
	in := []v1.Descriptor{
		{MediaType: types.DockerLayer, Size: 1},
		{MediaType: types.DockerUncompressedLayer, Size: 2},
		{MediaType: types.DockerForeignLayer, Size: 3},
		{MediaType: types.OCILayerZStd, Size: 4},
	}
	want := []types.MediaType{types.OCILayer, types.OCIUncompressedLayer, types.OCIRestrictedLayer, types.OCILayerZStd}
	got := ociLayers(in)
	for i := range want {
		if got[i].MediaType != want[i] || got[i].Size != in[i].Size {
			t.Errorf("ociLayers[%d] = %+v, want media type %s", i, got[i], want[i])
		}
	}
	if in[0].MediaType != types.DockerLayer {
		t.Errorf("ociLayers changed its input: %s", in[0].MediaType)
	}
}
