package registry

import (
	"errors"
	"fmt"
	"net/http"

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
type accessController struct {
	htpasswd      auth.AccessController
	anonymousPull bool
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
	return &accessController{htpasswd: h, anonymousPull: anonymousPull}, nil
}

func (ac *accessController) Authorized(req *http.Request, access ...auth.Access) (*auth.Grant, error) {
	if _, _, hasCreds := req.BasicAuth(); !hasCreds && ac.anonymousPull && pullOnly(access) {
		return &auth.Grant{}, nil
	}
	return ac.htpasswd.Authorized(req, access...)
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
