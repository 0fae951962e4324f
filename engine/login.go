package engine

import (
	"context"
	"fmt"
	"net/http"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// Login checks username and password against a registry ("" is Docker
// Hub) and, when they work, stores them as docker login does: in the
// docker config file ($DOCKER_CONFIG/config.json, ~/.docker/config.json),
// or through its credential helper (credsStore, credHelpers). It returns
// the registry as the config file names it. Login needs no store.
func Login(ctx context.Context, registry, username, password string, opts RegistryOptions) (string, error) {
	reg, err := layers.ParseRegistry(registry, opts.Insecure)
	if err != nil {
		return "", err
	}
	key := configKey(reg)
	if username == "" || password == "" {
		return "", fmt.Errorf("login to %s: username and password are required: %w", key, errdefs.ErrInvalid)
	}
	lo := layers.RemoteOptions{Insecure: opts.Insecure, TLSCA: opts.TLSCA}
	if err := checkLogin(ctx, reg, &authn.Basic{Username: username, Password: password}, lo); err != nil {
		return "", err
	}
	cf, err := config.Load(config.Dir())
	if err != nil {
		return "", fmt.Errorf("login to %s: reading docker config: %w", key, err)
	}
	ac := types.AuthConfig{Username: username, Password: password, ServerAddress: key}
	if err := cf.GetCredentialsStore(key).Store(ac); err != nil {
		return "", fmt.Errorf("login to %s: storing credentials: %w", key, err)
	}
	if err := cf.Save(); err != nil {
		return "", fmt.Errorf("login to %s: writing %s: %w", key, cf.GetFilename(), err)
	}
	return key, nil
}

// checkLogin pings the registry with the credentials: a token registry
// refuses them when fetching a token, a basic-auth one on /v2/.
func checkLogin(ctx context.Context, reg name.Registry, auth authn.Authenticator, lo layers.RemoteOptions) error {
	ctx, cancel := context.WithTimeout(ctx, 2*layers.StallTimeout)
	defer cancel()
	base := lo.BaseTransport()
	key := configKey(reg)
	fail := func(err error) error {
		return layers.RegistryError("login to "+key, reg.RegistryStr(), err)
	}
	tr, err := transport.NewWithContext(ctx, reg, auth, base, []string{reg.Scope(transport.PullScope)})
	if err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reg.Scheme()+"://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return fail(err)
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 2 * layers.StallTimeout}).Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return fail(err)
	}
	return nil
}

// Logout removes the stored credentials of a registry ("" is Docker Hub).
// It reports whether there were any.
func Logout(registry string) (string, bool, error) {
	reg, err := layers.ParseRegistry(registry, nil)
	if err != nil {
		return "", false, err
	}
	key := configKey(reg)
	cf, err := config.Load(config.Dir())
	if err != nil {
		return key, false, fmt.Errorf("logout from %s: reading docker config: %w", key, err)
	}
	store := cf.GetCredentialsStore(key)
	ac, err := store.Get(key)
	had := err == nil && (ac.Username != "" || ac.Password != "" || ac.IdentityToken != "")
	if !had {
		return key, false, nil
	}
	if err := store.Erase(key); err != nil {
		return key, true, fmt.Errorf("logout from %s: %w", key, err)
	}
	delete(cf.AuthConfigs, key)
	if err := cf.Save(); err != nil {
		return key, true, fmt.Errorf("logout from %s: writing %s: %w", key, cf.GetFilename(), err)
	}
	return key, true, nil
}

// configKey is a registry as docker's config file names it.
func configKey(reg name.Registry) string {
	if reg.RegistryStr() == name.DefaultRegistry {
		return authn.DefaultAuthKey
	}
	return reg.RegistryStr()
}
