package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
)

// linkEnv is docker's legacy link environment for each --link NAME:ALIAS
// of r (daemon/links): ALIAS_NAME=/r/alias, ALIAS_PORT (the lowest exposed
// port) and ALIAS_PORT_<port>_<PROTO>[_ADDR|_PORT|_PROTO] for each
// exposed port at the linked container's address, and ALIAS_ENV_<VAR> for
// each of its environment variables but HOME and PATH. A linked container
// that is not running is docker's error. Contiguous port ranges get no
// _START/_END variables (docker adds them; nothing in berth exposes ranges
// as one entry).
func (e *Engine) linkEnv(r *record) ([]string, error) {
	var env []string
	for _, l := range r.Host.Links {
		name, alias, _ := strings.Cut(l, ":")
		t, err := e.resolve(name)
		if err != nil {
			return nil, fmt.Errorf("--link %s: %w", l, err)
		}
		if alias == "" {
			alias = t.Name
		}
		st, err := e.loadState(t.ID)
		if err != nil {
			return nil, err
		}
		if !st.running() || len(st.Endpoints) == 0 {
			return nil, fmt.Errorf("cannot link to a non running container: /%s AS /%s/%s: %w", t.Name, r.Name, alias, errdefs.ErrFailedPrecondition)
		}
		env = append(env, linkVars(r.Name, alias, st.Endpoints[0].IPAddress, t.Config.ExposedPorts, t.Config.Env)...)
	}
	return env, nil
}

// linkVars is one link's variables (docker's Link.ToEnv).
func linkVars(parent, alias, ip string, exposed map[string]struct{}, childEnv []string) []string {
	prefix := strings.ReplaceAll(strings.ToUpper(alias), "-", "_")
	type port struct {
		n     int
		proto string
	}
	var ports []port
	for p := range exposed {
		num, proto, _ := strings.Cut(p, "/")
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		if proto == "" {
			proto = "tcp"
		}
		ports = append(ports, port{n, proto})
	}
	sort.Slice(ports, func(i, j int) bool {
		if ports[i].n != ports[j].n {
			return ports[i].n < ports[j].n
		}
		return ports[i].proto < ports[j].proto
	})
	var env []string
	if len(ports) > 0 {
		env = append(env, fmt.Sprintf("%s_PORT=%s://%s:%d", prefix, ports[0].proto, ip, ports[0].n))
	}
	for _, p := range ports {
		k := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.n, strings.ToUpper(p.proto))
		env = append(env,
			fmt.Sprintf("%s=%s://%s:%d", k, p.proto, ip, p.n),
			fmt.Sprintf("%s_ADDR=%s", k, ip),
			fmt.Sprintf("%s_PORT=%d", k, p.n),
			fmt.Sprintf("%s_PROTO=%s", k, p.proto))
	}
	env = append(env, fmt.Sprintf("%s_NAME=/%s/%s", prefix, parent, alias))
	for _, v := range childEnv {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "HOME" || k == "PATH" {
			continue
		}
		env = append(env, fmt.Sprintf("%s_ENV_%s=%s", prefix, k, val))
	}
	return env
}

// withLinkEnv puts the link variables before the container's own and
// drops those the container sets itself: its own value wins, and a
// process reading the first of two entries would not see it.
func withLinkEnv(links, own []string) []string {
	if len(links) == 0 {
		return own
	}
	set := map[string]bool{}
	for _, v := range own {
		k, _, _ := strings.Cut(v, "=")
		set[k] = true
	}
	out := make([]string, 0, len(links)+len(own))
	for _, v := range links {
		if k, _, _ := strings.Cut(v, "="); !set[k] {
			out = append(out, v)
		}
	}
	return append(out, own...)
}
