// Package hostiletest builds berth's corpus of hostile layer tarballs: every
// way a layer has been shown (issue #13) or could be expected to damage the
// store or write outside the snapshot being built, each with the error a
// reader of it must give. Tests in layers run each case through the Go API
// (Import, snapshots, layers extract); the integration suite runs it
// through `berth load` of a docker-archive built with go-containerregistry.
// layers/testdata/hostile holds the generated tarballs (see Write), so other
// tools and the fuzz targets can use them as they are.
package hostiletest

//go:generate go test -C .. -tags seccomp -count=1 -run TestHostileCorpusFiles -update-hostile .

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Case is one hostile layer.
type Case struct {
	Name string
	// Blob is the layer blob as it travels: a tarball, gzipped or not.
	Blob []byte
	// DiffID is the diff ID an image's config claims for the layer: the
	// digest of the uncompressed tarball, unless the case is about a lie.
	DiffID v1.Hash
	// Want is the core of the error every reader gives (import, load,
	// snapshot): what follows the name of the layer, before the error
	// class. Empty if the layer is accepted.
	Want string
	// ClaimsOnly: the case is about what an image's config claims (a diff
	// ID), which a bare tarball import has no claim to check against.
	ClaimsOnly bool
	// Check names what the test of an accepted case must verify.
	Check string
}

// Time is the mtime of every entry.
var Time = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)

// Tar builds a tarball from headers and the bodies of regular files (by
// position; a header with Size > 0 takes the next body).
func Tar(hdrs []*tar.Header, bodies ...string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	i := 0
	for _, h := range hdrs {
		if h.ModTime.IsZero() {
			h.ModTime = Time
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(fmt.Sprintf("hostiletest: WriteHeader(%q) = %v", h.Name, err))
		}
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			io.WriteString(tw, bodies[i])
			i++
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func reg(name, body string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}
}
func dir(name string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}
}
func symlink(name, to string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to, Mode: 0o777}
}
func hardlink(name, to string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: to, Mode: 0o644}
}
func emptyFile(name string) *tar.Header {
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o600}
}

// RawHeader is one 512-byte ustar header block of type typ, for what
// archive/tar refuses to write (unknown types, PAX headers made by hand).
func RawHeader(name string, typ byte, size int64) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: size, Mode: 0o644, ModTime: Time, Format: tar.FormatUSTAR})
	blk := append([]byte(nil), b.Bytes()[:512]...)
	blk[156] = typ
	copy(blk[148:156], "        ")
	sum := 0
	for _, c := range blk {
		sum += int(c)
	}
	copy(blk[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return blk
}

// paxRecord is one "len key=value\n" record of a PAX extended header.
func paxRecord(k, v string) string {
	s := " " + k + "=" + v + "\n"
	n := len(s)
	for {
		l := len(strconv.Itoa(n)) + len(s)
		if l == n {
			return strconv.Itoa(n) + s
		}
		n = l
	}
}

func pad(b []byte) []byte {
	if r := len(b) % 512; r != 0 {
		b = append(b, make([]byte, 512-r)...)
	}
	return b
}

// SparseBomb is a PAX 1.0 sparse member of realsize bytes holding one
// byte of data: a few kilobytes of archive that archive/tar reads as
// realsize bytes (issue #13 item 7: "a 1 MB archive wrote 1 GiB").
func SparseBomb(name string, realsize int64) []byte {
	pax := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", name) + paxRecord("GNU.sparse.realsize", strconv.FormatInt(realsize, 10))
	var out []byte
	out = append(out, RawHeader("PaxHeaders/"+name, tar.TypeXHeader, int64(len(pax)))...)
	out = append(out, pad([]byte(pax))...)
	data := append(pad([]byte(fmt.Sprintf("1\n%d\n1\n", realsize-1))), 'x')
	out = append(out, RawHeader("GNUSparseFile.0/"+name, tar.TypeReg, int64(len(data)))...)
	out = append(out, pad(data)...)
	return append(out, make([]byte, 1024)...)
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// Digest is b's sha256.
func Digest(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// zeros is a tarball of one file of n zero bytes, written without holding
// them all.
func zeros(name string, n int64) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: n, ModTime: Time})
	io.CopyN(tw, zeroReader{}, n)
	tw.Close()
	return b.Bytes()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// BombSize is what the compression bomb unpacks to: past the 64 MiB floor,
// at more than 100 times its compressed size.
const BombSize = 96 << 20

// Sentinel is where the cases that aim out of a snapshot aim, relative to
// the snapshot's root: a test keeps a directory there, next to the
// snapshot, holding the file SentinelFile, and checks that it stays as it
// was. Absolute is the absolute path they aim at (never created).
const (
	Sentinel     = "../sentinel"
	SentinelFile = "keep"
	Absolute     = "/berth-hostile"
)

// Cases is the corpus, built once. Each layer is a plain tarball unless
// its name ends in -gzip.
var Cases = sync.OnceValue(cases)

func cases() []Case {
	sentinel := Sentinel
	tars := []struct {
		name, want string
		tar        []byte
	}{
		// issue #13 item 1: .wh... became "..", and removeAll(snapshots/)
		{"whiteout-dotdot", `tar entry ".wh...": whiteout of "..", which is not a plain name`, Tar([]*tar.Header{emptyFile(".wh...")})},
		{"whiteout-dot", `tar entry ".wh..": whiteout of ".", which is not a plain name`, Tar([]*tar.Header{emptyFile(".wh..")})},
		{"whiteout-nested-dotdot", `tar entry "a/.wh...": whiteout of "..", which is not a plain name`, Tar([]*tar.Header{dir("a/"), emptyFile("a/.wh...")})},
		{"whiteout-empty", `tar entry "etc/.wh.": whiteout of an empty name`, Tar([]*tar.Header{dir("etc/"), emptyFile("etc/.wh.")})},
		{"whiteout-aufs-meta", `tar entry ".wh..wh.plnk": whiteout metadata ".wh..wh.plnk" is not defined by the OCI image spec`, Tar([]*tar.Header{emptyFile(".wh..wh.plnk")})},
		{"whiteout-aufs-meta-dir", `tar entry ".wh..wh.plnk/1.2": parent ".wh..wh.plnk" has a whiteout name`, Tar([]*tar.Header{emptyFile(".wh..wh.plnk/1.2")})},
		{"whiteout-opq-lookalike", `tar entry "d/.wh..wh..opq2": whiteout metadata ".wh..wh..opq2" is not defined by the OCI image spec`, Tar([]*tar.Header{dir("d/"), emptyFile("d/.wh..wh..opq2")})},
		{"whiteout-as-directory", `tar entry ".wh.x/y": parent ".wh.x" has a whiteout name`, Tar([]*tar.Header{dir(".wh.x/"), emptyFile(".wh.x/y")})},
		{"hardlink-to-whiteout", `tar entry "l": hard link to ".wh.x", which is not an earlier file of the archive`, Tar([]*tar.Header{emptyFile(".wh.x"), hardlink("l", ".wh.x")})},
		{"traversal", `tar entry "../x": path escapes the root`, Tar([]*tar.Header{reg("../x", "evil")}, "evil")},
		{"traversal-inner", `tar entry "a/../../x": path escapes the root`, Tar([]*tar.Header{reg("a/../../x", "evil")}, "evil")},
		{"absolute", `tar entry "` + Absolute + `/x": absolute path`, Tar([]*tar.Header{reg(Absolute+"/x", "evil")}, "evil")},
		{"symlink-then-file", `tar entry "l/x": path goes through a symlink`, Tar([]*tar.Header{symlink("l", sentinel), reg("l/x", "evil")}, "evil")},
		{"symlink-relative-then-file", `tar entry "up/x": path goes through a symlink`, Tar([]*tar.Header{symlink("up", "../../../../.."), reg("up/x", "evil")}, "evil")},
		{"symlink-loop", `tar entry "a/x": path goes through a symlink`, Tar([]*tar.Header{symlink("a", "b"), symlink("b", "a"), reg("a/x", "evil")}, "evil")},
		{"hardlink-out", `tar entry "passwd": hard link target path escapes the root`, Tar([]*tar.Header{hardlink("passwd", "../../../../etc/passwd")})},
		{"hardlink-absolute", `tar entry "s": hard link target absolute path`, Tar([]*tar.Header{hardlink("s", Absolute+"/"+SentinelFile)})},
		{"hardlink-absent", `tar entry "passwd": hard link to "etc/passwd", which is not an earlier file of the archive`, Tar([]*tar.Header{hardlink("passwd", "etc/passwd")})},
		// the file is seen, then its parent turned into a symlink out
		{"hardlink-through-symlink", `tar entry "h": hard link to "a/` + SentinelFile + `", which is not an earlier file of the archive`,
			Tar([]*tar.Header{reg("a/"+SentinelFile, "k"), symlink("a", sentinel), hardlink("h", "a/"+SentinelFile)}, "k")},
		{"duplicate", `tar entry "a": duplicate entry`, Tar([]*tar.Header{reg("a", "1"), reg("a", "2")}, "1", "2")},
		{"duplicate-dir-then-file", `tar entry "a": duplicate entry`, Tar([]*tar.Header{dir("a/"), reg("a", "2")}, "2")},
		{"deep-path", `tar entry "` + strings.Repeat("d/", 2048) + `f": name longer than 4095 bytes`, Tar([]*tar.Header{reg(strings.Repeat("d/", 2048)+"f", "x")}, "x")},
		{"root-not-directory", `tar entry "./": the root is not a directory`, Tar([]*tar.Header{{Name: "./", Typeflag: tar.TypeSymlink, Linkname: sentinel}})},
		{"unknown-type", `tar entry "odd": unsupported entry type 'Z'`, append(RawHeader("odd", 'Z', 0), make([]byte, 1024)...)},
		{"sparse-bomb", `tar entry "big": sparse file (not accepted in a layer: its holes would unpack to real bytes)`, SparseBomb("big", 1<<30)},
		{"sparse-bomb-gzip", `tar entry "big": sparse file (not accepted in a layer: its holes would unpack to real bytes)`, SparseBomb("big", 1<<40)},
	}
	var out []Case
	for _, t := range tars {
		blob := t.tar
		if strings.HasSuffix(t.name, "-gzip") {
			blob = Gzip(t.tar)
		}
		out = append(out, Case{Name: t.name, Blob: blob, DiffID: Digest(t.tar), Want: t.want})
	}
	valid := Tar([]*tar.Header{reg("a", strings.Repeat("berth ", 20000)), reg("b", "bbb")}, strings.Repeat("berth ", 20000), "bbb")
	gz := Gzip(valid)
	out = append(out,
		Case{Name: "truncated-gzip", Blob: gz[:len(gz)/2], DiffID: Digest(valid), Want: `tar entry "a": truncated`},
		Case{Name: "diffid-mismatch", Blob: Gzip(valid), DiffID: Digest([]byte("another layer")), ClaimsOnly: true,
			Want: fmt.Sprintf("content digest %s, expected diff ID %s", Digest(valid), Digest([]byte("another layer")))},
	)
	bomb := zeros("zeros", BombSize)
	out = append(out, Case{Name: "compression-bomb-gzip", Blob: Gzip(bomb), DiffID: Digest(bomb),
		Want: `tar entry "zeros": expands more than 100 times its compressed size, the limit (BERTH_MAX_LAYER_RATIO or --max-layer-ratio raise it)`})
	xa := Tar([]*tar.Header{
		{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755, Format: tar.FormatPAX, PAXRecords: map[string]string{
			"SCHILY.xattr.trusted.overlay.redirect": Absolute, "SCHILY.xattr.trusted.overlay.opaque": "y"}},
		{Name: "f", Typeflag: tar.TypeReg, Mode: 0o755, Size: 1, Format: tar.FormatPAX, PAXRecords: map[string]string{
			"SCHILY.xattr.security.selinux": "system_u:object_r:shadow_t:s0", "SCHILY.xattr.trusted.overlay.metacopy": "",
			"SCHILY.xattr.security.capability": "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
			"SCHILY.xattr.user.note":           "kept"}},
	}, "x")
	out = append(out, Case{Name: "pax-overlay-xattrs", Blob: xa, DiffID: Digest(xa), Check: "xattrs"})
	dev := Tar([]*tar.Header{dir("dev/"), {Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8, Devminor: 0, Mode: 0o600}})
	out = append(out, Case{Name: "device-node", Blob: dev, DiffID: Digest(dev), Check: "device"})
	return out
}

// rawLayer is a layer blob taken as it is, claiming diffID: what a hostile
// image can claim, unchecked (go-containerregistry's own layers compute
// their digests from content, so could not carry a lie or a truncation).
type rawLayer struct {
	blob   []byte
	diffID v1.Hash
}

func (l rawLayer) Digest() (v1.Hash, error) { return Digest(l.blob), nil }
func (l rawLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }
func (l rawLayer) Size() (int64, error)     { return int64(len(l.blob)), nil }
func (l rawLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}
func (l rawLayer) Uncompressed() (io.ReadCloser, error) {
	if bytes.HasPrefix(l.blob, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(l.blob))
		if err != nil {
			return nil, err
		}
		return zr, nil
	}
	return io.NopCloser(bytes.NewReader(l.blob)), nil
}
func (l rawLayer) MediaType() (types.MediaType, error) {
	if bytes.HasPrefix(l.blob, []byte{0x1f, 0x8b}) {
		return types.DockerLayer, nil
	}
	return types.DockerUncompressedLayer, nil
}

// Image is a one-layer image of c's layer, its config claiming c.DiffID.
func Image(c Case) (v1.Image, error) {
	return mutate.AppendLayers(empty.Image, rawLayer{c.Blob, c.DiffID})
}
