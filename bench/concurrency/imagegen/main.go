// Command imagegen writes a docker-archive of N small images, each its own
// (one layer holding one file that names it, about 2 KB of archive), tagged
// bench/images:t1 ... bench/images:tN: what bench/concurrency/run.sh loads
// into berth and podman to time `images` with many images.
//
//	go run ./bench/concurrency/imagegen -n 500 -o images.tar
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	n := flag.Int("n", 500, "images")
	out := flag.String("o", "", "the docker-archive to write")
	flag.Parse()
	if *n < 1 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: imagegen -n N -o FILE")
		os.Exit(2)
	}
	if err := write(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "imagegen:", err)
		os.Exit(1)
	}
}

func write(n int, out string) error {
	created := v1.Time{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	refs := map[name.Reference]v1.Image{}
	for i := 1; i <= n; i++ {
		content := []byte(fmt.Sprintf("image %d\n", i))
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: "image.txt", Mode: 0o644, Size: int64(len(content)), ModTime: created.Time, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		tw.Write(content)
		if err := tw.Close(); err != nil {
			return err
		}
		b := buf.Bytes()
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			return err
		}
		img, err := mutate.AppendLayers(empty.Image, layer)
		if err != nil {
			return err
		}
		img, err = mutate.ConfigFile(img, &v1.ConfigFile{
			Architecture: runtime.GOARCH, OS: "linux", Created: created,
			Config: v1.Config{Cmd: []string{"/image.txt"}},
			RootFS: v1.RootFS{Type: "layers", DiffIDs: mustDiffIDs(layer)},
		})
		if err != nil {
			return err
		}
		tag, err := name.NewTag(fmt.Sprintf("bench/images:t%d", i))
		if err != nil {
			return err
		}
		refs[tag] = img
	}
	return tarball.MultiRefWriteToFile(out, refs)
}

func mustDiffIDs(l v1.Layer) []v1.Hash {
	d, err := l.DiffID()
	if err != nil {
		panic(err)
	}
	return []v1.Hash{d}
}
