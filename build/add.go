package build

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// IsURL reports whether an ADD source is a remote URL.
func IsURL(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// Fetch downloads an ADD URL into dir (a fresh directory of the build's
// own, opened as a root) and returns it as a source file, named after the
// URL's last path element, mode 0600 as docker makes it.
func Fetch(ctx context.Context, rawURL string, dir *Root) (File, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %v", rawURL, err)
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == ".." || name == "" {
		name = "index.html"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %v", rawURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return File{}, fmt.Errorf("ADD %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return File{}, fmt.Errorf("ADD %s: %s", rawURL, resp.Status)
	}
	p := filepath.Join(dir.Dir(), name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return File{}, err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return File{}, fmt.Errorf("ADD %s: %v", rawURL, err)
	}
	if err := f.Close(); err != nil {
		return File{}, err
	}
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		os.Chtimes(p, time.Now(), lm)
	}
	st, err := dir.Lstat(name)
	if err != nil {
		return File{}, err
	}
	return File{Root: dir, Path: name, Rel: name, Info: st, Top: true, Remote: true}, nil
}

// extract writes the entries of f under dest if f is a (possibly gzip,
// bzip2, xz or zstd compressed) tar archive; done is false when it is
// not one, and ADD copies it as a file.
func extract(tw *tar.Writer, f File, dest string, s CopySpec, dir func(string) error) (done bool, err error) {
	r, err := f.Root.Open(f.Path)
	if err != nil {
		return false, err
	}
	defer r.Close()
	tr, closeFn, ok := openArchive(r)
	if !ok {
		return false, nil
	}
	defer closeFn()
	return true, copyArchive(tw, tr, dest, s, dir)
}

// openArchive reads f as a (possibly compressed) tar archive; ok is false
// when it is not one. closeFn releases the decompressor, not f.
func openArchive(f *os.File) (tr *tar.Reader, closeFn func(), ok bool) {
	br := bufio.NewReader(f)
	magic, _ := br.Peek(6)
	var r io.Reader = br
	closeFn = func() {}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, false
		}
		r = gz
	case bytes.HasPrefix(magic, []byte("BZh")):
		r = bzip2.NewReader(br)
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, nil, false
		}
		r = xr
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, nil, false
		}
		r, closeFn = zr, zr.Close
	}
	// A tar archive has "ustar" at offset 257 of its first header.
	pr := bufio.NewReaderSize(r, 1024)
	head, _ := pr.Peek(263)
	if len(head) < 262 || !bytes.HasPrefix(head[257:], []byte("ustar")) {
		closeFn()
		return nil, nil, false
	}
	return tar.NewReader(pr), closeFn, true
}

// copyArchive writes the entries of an archive under dest (no leading
// slash), as ADD extracts local archives.
func copyArchive(tw *tar.Writer, tr *tar.Reader, dest string, s CopySpec, dir func(string) error) error {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("extracting archive: %v", err)
		}
		name := path.Clean("/" + hdr.Name)
		out := strings.TrimPrefix(path.Join("/", dest, name), "/")
		if err := dir(path.Dir(out)); err != nil {
			return err
		}
		h := *hdr
		h.Name = out
		if hdr.Typeflag == tar.TypeDir {
			h.Name += "/"
		}
		if hdr.Typeflag == tar.TypeLink {
			h.Linkname = strings.TrimPrefix(path.Join("/", dest, path.Clean("/"+hdr.Linkname)), "/")
		}
		if err := tw.WriteHeader(&h); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}
