package registry

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/distribution/distribution/v3/registry/auth"
	// distribution's bcrypt htpasswd access controller, registered as
	// "htpasswd".
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
)

// accessControllerName is berth's access controller in distribution's
// registry of them: htpasswd users, and optionally anonymous pulls.
const accessControllerName = "berth"

func init() {
	// The controller is built by newAccessController and handed over in
	// the options: distribution only knows controllers by name.
	auth.Register(accessControllerName, func(opts map[string]any) (auth.AccessController, error) {
		ac, ok := opts["controller"].(*accessController)
		if !ok {
			return nil, errors.New("registry: no access controller given")
		}
		return ac, nil
	})
}

// realm is the Basic realm clients are challenged with.
const realm = "berth registry"

// accessController authenticates with distribution's htpasswd controller
// (bcrypt, the file re-read when it changes). With anonymousPull, a
// request without credentials that only pulls is let through.
//
// A bcrypt comparison costs ~60 ms of CPU here and a client sends its
// credentials with every request (a push of one image is dozens), so a
// successful check is remembered for credTTL, keyed by an HMAC (with a
// key of this process) of the user and password: the OCI conformance
// suite with a user took 97 s without this, against 5 s without a user.
// A changed password is thus in force within credTTL.
type accessController struct {
	htpasswd      auth.AccessController
	anonymousPull bool

	key []byte
	mu  sync.Mutex // guards ok only, never held across a bcrypt check
	ok  map[[32]byte]time.Time
}

// credTTL is how long a checked user and password are trusted.
const credTTL = 30 * time.Second

// maxCredCache bounds the remembered credentials.
const maxCredCache = 1024

func (ac *accessController) credKey(user, pass string) [32]byte {
	m := hmac.New(sha256.New, ac.key)
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(pass))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

func (ac *accessController) cached(k [32]byte) bool {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	t, ok := ac.ok[k]
	return ok && time.Now().Before(t)
}

func (ac *accessController) remember(k [32]byte) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	if len(ac.ok) >= maxCredCache {
		clear(ac.ok)
	}
	ac.ok[k] = time.Now().Add(credTTL)
}

// newAccessController is nil without an htpasswd file: no authentication.
func newAccessController(htpasswd string, anonymousPull bool) (*accessController, error) {
	if htpasswd == "" {
		return nil, nil
	}
	// The file exists (Serve loaded it): distribution would otherwise
	// create one with a random user and log its password.
	h, err := auth.GetAccessController("htpasswd", map[string]any{"realm": realm, "path": htpasswd})
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return &accessController{htpasswd: h, anonymousPull: anonymousPull, key: key, ok: map[[32]byte]time.Time{}}, nil
}

func (ac *accessController) Authorized(req *http.Request, access ...auth.Access) (*auth.Grant, error) {
	user, pass, hasCreds := req.BasicAuth()
	if !hasCreds && ac.anonymousPull && pullOnly(access) {
		return &auth.Grant{}, nil
	}
	if !hasCreds {
		return ac.htpasswd.Authorized(req, access...) // the challenge
	}
	k := ac.credKey(user, pass)
	if ac.cached(k) {
		return &auth.Grant{User: auth.UserInfo{Name: user}}, nil
	}
	g, err := ac.htpasswd.Authorized(req, access...)
	if err == nil {
		ac.remember(k)
	}
	return g, err
}

// pullOnly says whether every access asked for only reads: pulling from a
// repository or listing the catalog. An empty list is the API's base
// (/v2/), which reads nothing.
func pullOnly(access []auth.Access) bool {
	for _, a := range access {
		switch {
		case a.Type == "repository" && a.Action == "pull":
		case a.Type == "registry" && a.Name == "catalog" && a.Action == "*":
		default:
			return false
		}
	}
	return true
}
