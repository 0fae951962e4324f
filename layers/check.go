package layers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Problem is one inconsistency found by Check: a line for the user, and
// what --repair removes for it (empty: nothing may be removed).
type Problem struct {
	Msg    string
	Remove string
}

// leftoverAge is how long a blob must have gone unreferenced to be an
// orphan: a writer commits blobs before the index that names them.
const leftoverAge = 10 * time.Second

// Check verifies the image store: every blob's digest, every reference of
// index.json (manifests, configs, layers) present with its size, no
// snapshot that no image and no container (inUse, snapshot directories)
// needs; the temporaries of writers that died are swept.
func (s *Store) Check(inUse map[string]bool) []Problem {
	// What dead writers left is swept, not reported, as at every Open: the
	// kernel's lock says its writer is gone, so it is garbage, never data.
	// (Open may have seen a killed writer that had not yet finished dying.)
	cleanStale(s.ingest, "")
	cleanStale(s.snapshots, ".tmp-")
	var out []Problem
	add := func(p Problem) { out = append(out, p) }
	blobDir := filepath.Join(s.oci, "blobs", "sha256")
	entries, err := os.ReadDir(blobDir)
	if err != nil {
		add(Problem{Msg: fmt.Sprintf("blobs: %v", err)})
	}
	blobs := map[string]int64{}
	for _, ent := range entries {
		p := filepath.Join(blobDir, ent.Name())
		if !isHex(ent.Name()) || len(ent.Name()) != 64 {
			add(Problem{Msg: "blob " + p + ": not a sha256 digest name", Remove: p})
			continue
		}
		size, sum, err := hashFile(p)
		if err != nil {
			add(Problem{Msg: fmt.Sprintf("blob sha256:%s: %v", ent.Name(), err)})
			continue
		}
		if sum != ent.Name() {
			add(Problem{Msg: fmt.Sprintf("blob sha256:%s: content has digest sha256:%s", ent.Name(), sum)})
		}
		blobs[ent.Name()] = size
	}
	referenced := map[string]bool{}
	ref := func(what string, d v1.Descriptor) bool {
		referenced[d.Digest.Hex] = true
		size, ok := blobs[d.Digest.Hex]
		switch {
		case !ok:
			add(Problem{Msg: fmt.Sprintf("%s %s: blob missing", what, d.Digest)})
		case size != d.Size:
			add(Problem{Msg: fmt.Sprintf("%s %s: size %d, the reference says %d", what, d.Digest, size, d.Size)})
		default:
			return true
		}
		return false
	}
	chains := map[string]bool{emptySnapshot: true}
	im, err := s.readIndex()
	if err != nil {
		add(Problem{Msg: fmt.Sprintf("index.json: %v", err)})
		im = &v1.IndexManifest{}
	}
	for _, d := range im.Manifests {
		name := d.Annotations[AnnotationRefName]
		what := "manifest"
		if name != "" {
			what = "manifest of " + name
		}
		if !ref(what, d) || !d.MediaType.IsImage() {
			continue
		}
		var m v1.Manifest
		if _, err := s.readJSONBlob(d.Digest, &m); err != nil {
			add(Problem{Msg: fmt.Sprintf("%s: %v", what, err)})
			continue
		}
		ref("config of "+d.Digest.String(), m.Config)
		for _, l := range m.Layers {
			ref("layer of "+d.Digest.String(), l)
		}
		var cf v1.ConfigFile
		if _, err := s.readJSONBlob(m.Config.Digest, &cf); err == nil {
			var chain v1.Hash
			for _, diffID := range cf.RootFS.DiffIDs {
				chain = chainID(chain, diffID)
				chains[chain.Hex] = true
			}
		}
	}
	// What a held image a container uses reaches (held.go) is no orphan.
	if reach, _, _, err := s.reachable(); err == nil {
		for hexd := range reach {
			referenced[hexd] = true
		}
	}
	for hexd := range blobs {
		if !referenced[hexd] {
			p := filepath.Join(blobDir, hexd)
			if age(p) > leftoverAge {
				add(Problem{Msg: "orphan blob sha256:" + hexd + ": no image refers to it", Remove: p})
			}
		}
	}
	snaps, _ := os.ReadDir(s.snapshots)
	for _, ent := range snaps {
		p := filepath.Join(s.snapshots, ent.Name())
		switch {
		case strings.HasPrefix(ent.Name(), ".tmp-"):
			// a live unpack's
		case !chains[ent.Name()] && !inUse[p]:
			add(Problem{Msg: "orphan snapshot " + ent.Name() + ": no image or container uses it", Remove: p})
		}
	}
	return out
}

func hashFile(p string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

// age is how long nothing under p has changed.
func age(p string) time.Duration { return clock().Sub(newestChange(p)) }

// clock is time.Now; tests move it forward, as change times (ctime)
// cannot be set back.
var clock = time.Now
