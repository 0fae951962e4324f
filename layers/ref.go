package layers

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/berthdev/berth/internal/errdefs"
)

// NormalizeRef turns a reference as a user types it into the full form the
// store keeps, by docker's short-name rules: "busybox" is
// "docker.io/library/busybox:latest", "localhost:5000/x" is
// "localhost:5000/x:latest", and name@sha256:... keeps its digest.
func NormalizeRef(s string) (string, error) {
	ref, err := name.ParseReference(s)
	if err != nil || s == "" {
		return "", fmt.Errorf("invalid reference format %q: %w", s, errdefs.ErrInvalid)
	}
	repo := ref.Context()
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	full := reg + "/" + repo.RepositoryStr()
	if d, ok := ref.(name.Digest); ok {
		return full + "@" + d.DigestStr(), nil
	}
	return full + ":" + ref.Identifier(), nil
}

// FamiliarName is a full reference as docker shows it: the docker.io
// registry and the library/ namespace are dropped,
// "docker.io/library/busybox:latest" is "busybox:latest".
func FamiliarName(full string) string {
	s, ok := strings.CutPrefix(full, "docker.io/")
	if !ok {
		return full
	}
	if rest, ok := strings.CutPrefix(s, "library/"); ok && !strings.Contains(strings.SplitN(rest, ":", 2)[0], "/") {
		return rest
	}
	return s
}

// SplitRef splits a full reference into its repository and its tag or
// digest, as docker's REPOSITORY and TAG columns show them.
func SplitRef(full string) (repo, tag string) {
	if i := strings.LastIndex(full, "@"); i >= 0 {
		return full[:i], full[i+1:]
	}
	if i := strings.LastIndex(full, ":"); i > strings.LastIndex(full, "/") {
		return full[:i], full[i+1:]
	}
	return full, ""
}
