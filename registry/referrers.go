package registry

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/registry/api/errcode"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Distribution v3.1 has no referrers API (GET /v2/<name>/referrers/<digest>,
// distribution-spec 1.1). berth answers it from distribution's storage:
// the repository's manifests are enumerated and those whose subject is the
// digest asked for are listed. Manifests are immutable, so what each says
// about its subject is kept by digest; a request costs one directory walk
// of the repository's manifest links.

// referrer is what the referrers API needs to know about one manifest.
type referrer struct {
	subject digest.Digest // "" without a subject
	desc    v1.Descriptor
}

// maxReferrerCache bounds the manifests whose subject is remembered.
const maxReferrerCache = 100_000

type referrerCache struct {
	mu sync.Mutex // guards m only, never held across I/O
	m  map[digest.Digest]referrer
}

func newReferrerCache() *referrerCache { return &referrerCache{m: map[digest.Digest]referrer{}} }

func (c *referrerCache) get(d digest.Digest) (referrer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[d]
	return r, ok
}

func (c *referrerCache) put(d digest.Digest, r referrer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxReferrerCache {
		clear(c.m)
	}
	c.m[d] = r
}

// referrersIndex is the answer: an image index, its list never null.
type referrersIndex struct {
	SchemaVersion int             `json:"schemaVersion"`
	MediaType     string          `json:"mediaType"`
	Manifests     []v1.Descriptor `json:"manifests"`
}

// referrers serves GET (and HEAD) /v2/<name>/referrers/<digest>.
func (f *front) referrers(w http.ResponseWriter, r *http.Request, rt route) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		serveError(w, errcode.ErrorCodeUnsupported)
		return
	}
	if _, err := reference.WithName(rt.repo); err != nil {
		serveError(w, errcode.ErrorCodeNameInvalid.WithDetail(rt.repo))
		return
	}
	subject, err := digest.Parse(rt.ref)
	if err != nil {
		serveError(w, errcode.ErrorCodeDigestInvalid.WithDetail(rt.ref))
		return
	}
	if !f.authorize(w, r, access(rt.repo, "pull")) {
		return
	}
	list, err := f.store.referrersOf(r.Context(), rt.repo, subject)
	if err != nil {
		serveError(w, errcode.ErrorCodeUnknown.WithMessage(err.Error()))
		return
	}
	if at := r.URL.Query().Get("artifactType"); at != "" {
		kept := list[:0]
		for _, d := range list {
			if d.ArtifactType == at {
				kept = append(kept, d)
			}
		}
		list = kept
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	body, err := json.Marshal(referrersIndex{SchemaVersion: 2, MediaType: v1.MediaTypeImageIndex, Manifests: list})
	if err != nil {
		serveError(w, errcode.ErrorCodeUnknown.WithMessage(err.Error()))
		return
	}
	w.Header().Set("Content-Type", v1.MediaTypeImageIndex)
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// referrersOf lists the manifests of repo whose subject is subject.
func (s *store) referrersOf(ctx context.Context, repo string, subject digest.Digest) ([]v1.Descriptor, error) {
	list := []v1.Descriptor{}
	rp, err := s.repository(ctx, repo)
	if err != nil {
		return nil, err
	}
	ms, err := rp.Manifests(ctx)
	if err != nil {
		return nil, err
	}
	en, ok := ms.(distribution.ManifestEnumerator)
	if !ok {
		return nil, errors.New("registry: storage cannot list manifests")
	}
	err = en.Enumerate(ctx, func(d digest.Digest) error {
		ref, ok := s.refs.get(d)
		if !ok {
			m, err := ms.Get(ctx, d)
			if err != nil {
				return nil // deleted meanwhile, or unreadable: not a referrer
			}
			mt, payload, err := m.Payload()
			if err != nil {
				return nil
			}
			ref = describe(d, mt, payload)
			s.refs.put(d, ref)
		}
		if ref.subject == subject {
			list = append(list, ref.desc)
		}
		return nil
	})
	var nf storagedriver.PathNotFoundError
	if err != nil && !errors.As(err, &nf) {
		return nil, err
	}
	return list, nil
}

// describe reads the subject of a manifest and the descriptor the
// referrers API lists for it: its artifactType, or its config's media type
// for an image manifest without one, and its annotations.
func describe(d digest.Digest, mediaType string, payload []byte) referrer {
	var m struct {
		MediaType    string            `json:"mediaType"`
		ArtifactType string            `json:"artifactType"`
		Config       *v1.Descriptor    `json:"config"`
		Subject      *v1.Descriptor    `json:"subject"`
		Annotations  map[string]string `json:"annotations"`
	}
	if json.Unmarshal(payload, &m) != nil || m.Subject == nil {
		return referrer{}
	}
	if m.MediaType != "" {
		mediaType = m.MediaType
	}
	at := m.ArtifactType
	if at == "" && m.Config != nil && mediaType == v1.MediaTypeImageManifest {
		at = m.Config.MediaType
	}
	return referrer{subject: m.Subject.Digest, desc: v1.Descriptor{
		MediaType: mediaType, Digest: d, Size: int64(len(payload)), ArtifactType: at, Annotations: m.Annotations,
	}}
}
