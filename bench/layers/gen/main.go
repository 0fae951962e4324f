// Command gen writes the docker-archive that bench/layers/run.sh times
// `berth layers --ci` and `dive --ci` on: about 50,000 files in 5 layers,
// shaped like a real image (a large base, dependencies, the application,
// files rewritten by later layers, a clean-up layer with whiteouts).
// Contents are pseudo-random from a fixed seed, so every run is the same.
//
//	go run ./bench/layers/gen -o image.tar
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

var rng = rand.New(rand.NewSource(1))

type layerTar struct {
	buf  bytes.Buffer
	tw   *tar.Writer
	dirs map[string]bool
}

func newLayer() *layerTar {
	l := &layerTar{dirs: map[string]bool{}}
	l.tw = tar.NewWriter(&l.buf)
	return l
}

var mtime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (l *layerTar) dir(p string) {
	if p == "." || p == "/" || l.dirs[p] {
		return
	}
	l.dir(path.Dir(p))
	l.dirs[p] = true
	must(l.tw.WriteHeader(&tar.Header{Name: p + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime}))
}

func (l *layerTar) file(p string, size int) {
	l.dir(path.Dir(p))
	body := make([]byte, size)
	rng.Read(body[:size/2]) // half random, half zeros: compresses like real files
	must(l.tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(size), ModTime: mtime}))
	_, err := l.tw.Write(body)
	must(err)
}

func (l *layerTar) whiteout(p string) {
	l.dir(path.Dir(p))
	must(l.tw.WriteHeader(&tar.Header{Name: path.Join(path.Dir(p), ".wh."+path.Base(p)), Typeflag: tar.TypeReg, Mode: 0o600, ModTime: mtime}))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func size() int { return rng.Intn(4096) }

func main() {
	out := flag.String("o", "image.tar", "docker-archive to write")
	flag.Parse()
	var base, deps, app, rewrite, cleanup []string
	ls := []*layerTar{newLayer(), newLayer(), newLayer(), newLayer(), newLayer()}
	for i := 0; i < 30000; i++ { // the base: a distribution
		p := fmt.Sprintf("usr/lib/pkg%03d/sub%d/file%05d", i/100, i%7, i)
		ls[0].file(p, size())
		base = append(base, p)
	}
	for i := 0; i < 300; i++ {
		ls[0].file(fmt.Sprintf("var/cache/apt/archives/deb%04d", i), size()*4)
	}
	for i := 0; i < 8000; i++ { // dependencies, rewriting part of the base
		p := fmt.Sprintf("usr/local/lib/dep%02d/mod%05d", i/250, i)
		ls[1].file(p, size())
		deps = append(deps, p)
	}
	for _, p := range base[:2000] {
		ls[1].file(p, size())
	}
	for i := 0; i < 5000; i++ { // the application
		p := fmt.Sprintf("app/src/m%02d/f%05d.go", i/200, i)
		ls[2].file(p, size())
		app = append(app, p)
	}
	for _, p := range append(base[1000:1500], deps[:500]...) { // a file changed in three layers, many times over
		rewrite = append(rewrite, p)
		ls[3].file(p, size())
	}
	for i := 0; i < 3000; i++ {
		ls[3].file(fmt.Sprintf("app/assets/a%05d.bin", i), size())
	}
	ls[4].whiteout("var/cache/apt") // clean-up: rm -rf, and a few files
	for _, p := range append(app[:5], deps[1000:1005]...) {
		ls[4].whiteout(p)
		cleanup = append(cleanup, p)
	}
	for i := 0; i < 990; i++ {
		ls[4].file(fmt.Sprintf("app/build/o%05d.o", i), size())
	}
	img := empty.Image
	steps := []string{"ADD rootfs.tar /", "RUN install dependencies", "COPY . /app", "RUN rebuild", "RUN clean up"}
	for i, l := range ls {
		must(l.tw.Close())
		data := l.buf.Bytes()
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		must(err)
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: steps[i], Created: v1.Time{Time: mtime}}})
		must(err)
	}
	ref, err := name.ParseReference("bench/layers:latest")
	must(err)
	f, err := os.Create(*out)
	must(err)
	must(tarball.Write(ref, img, f))
	must(f.Close())
	fmt.Fprintf(os.Stderr, "gen: %s: 5 layers, %d+%d+%d+%d+%d files rewritten/removed\n", *out, len(base)+300, len(deps)+2000, len(app), len(rewrite)+3000, len(cleanup)+990)
}
