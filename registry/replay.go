package registry

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
)

// replay puts every stored manifest, then every tag, into the in-memory
// manifest index of the inner handler, through its own API. An index is
// accepted only once its children are, so manifests are put in passes.
func (r *Registry) replay() error {
	root := filepath.Join(r.dir, "repositories")
	var repos []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "_manifests" {
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			repos = append(repos, filepath.ToSlash(rel))
			return filepath.SkipDir
		}
		if d.IsDir() && d.Name() == "_tags" {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, repo := range repos {
		if err := r.replayRepo(repo); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) replayRepo(repo string) error {
	d := r.repoDir(repo)
	entries, err := os.ReadDir(filepath.Join(d, "_manifests"))
	if err != nil {
		return err
	}
	pending := map[string]bool{}
	for _, e := range entries {
		if n := e.Name(); !strings.HasSuffix(n, ".type") && !strings.HasPrefix(n, ".") {
			pending[n] = true
		}
	}
	for len(pending) > 0 {
		progress := false
		for hex := range pending {
			if r.put(repo, "sha256:"+hex, hex) == http.StatusCreated {
				delete(pending, hex)
				progress = true
			}
		}
		if !progress {
			return fmt.Errorf("repository %s: %d stored manifests refer to missing manifests", repo, len(pending))
		}
	}
	tags, _ := os.ReadDir(filepath.Join(d, "_tags"))
	for _, t := range tags {
		data, err := os.ReadFile(filepath.Join(d, "_tags", t.Name()))
		if err != nil || strings.HasPrefix(t.Name(), ".") {
			continue
		}
		if code := r.put(repo, t.Name(), strings.TrimPrefix(string(data), "sha256:")); code != http.StatusCreated {
			return fmt.Errorf("repository %s: tag %s: stored manifest refused (%d)", repo, t.Name(), code)
		}
	}
	return nil
}

// put gives the inner handler the stored manifest hex under ref.
func (r *Registry) put(repo, ref, hex string) int {
	mp := filepath.Join(r.repoDir(repo), "_manifests", hex)
	body, err := os.ReadFile(mp)
	if err != nil {
		return http.StatusNotFound
	}
	mt, _ := os.ReadFile(mp + ".type")
	req := httptest.NewRequest(http.MethodPut, "/v2/"+repo+"/manifests/"+ref, bytes.NewReader(body))
	req.Header.Set("Content-Type", string(mt))
	rec := httptest.NewRecorder()
	r.inner.ServeHTTP(rec, req)
	return rec.Code
}
