package layers

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
)

// ApplyChanges applies Dockerfile instructions, as `docker import -c` and
// `docker commit -c` take them, to a copy of c. Supported: CMD, ENTRYPOINT,
// SHELL (JSON or shell form), ENV, LABEL (KEY=VALUE... or the old KEY VALUE),
// WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD.
func ApplyChanges(c ImageConfig, changes []string) (ImageConfig, error) {
	c.Env = slices.Clone(c.Env)
	c.Labels = maps.Clone(c.Labels)
	c.ExposedPorts = maps.Clone(c.ExposedPorts)
	c.Volumes = maps.Clone(c.Volumes)
	for _, ch := range changes {
		instr, arg, _ := strings.Cut(strings.TrimSpace(ch), " ")
		arg = strings.TrimSpace(arg)
		bad := func(why string) error {
			return fmt.Errorf("change %q: %s: %w", ch, why, errdefs.ErrInvalid)
		}
		switch strings.ToUpper(instr) {
		case "CMD":
			c.Cmd = commandForm(arg, c.Shell)
		case "ENTRYPOINT":
			c.Entrypoint = commandForm(arg, c.Shell)
		case "SHELL":
			if err := json.Unmarshal([]byte(arg), &c.Shell); err != nil {
				return c, bad("SHELL takes a JSON array")
			}
		case "ENV":
			kvs, err := keyValues(arg)
			if err != nil {
				return c, bad(err.Error())
			}
			for _, kv := range kvs {
				k, _, _ := strings.Cut(kv, "=")
				c.Env = slices.DeleteFunc(c.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
				c.Env = append(c.Env, kv)
			}
		case "LABEL":
			kvs, err := keyValues(arg)
			if err != nil {
				return c, bad(err.Error())
			}
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			for _, kv := range kvs {
				k, v, _ := strings.Cut(kv, "=")
				c.Labels[k] = v
			}
		case "WORKDIR":
			c.WorkingDir = arg
		case "USER":
			c.User = arg
		case "STOPSIGNAL":
			c.StopSignal = arg
		case "ONBUILD":
			c.OnBuild = append(c.OnBuild, arg)
		case "EXPOSE":
			if c.ExposedPorts == nil {
				c.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range strings.Fields(arg) {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				c.ExposedPorts[p] = struct{}{}
			}
		case "VOLUME":
			var vols []string
			if json.Unmarshal([]byte(arg), &vols) != nil {
				vols = strings.Fields(arg)
			}
			if c.Volumes == nil {
				c.Volumes = map[string]struct{}{}
			}
			for _, v := range vols {
				c.Volumes[v] = struct{}{}
			}
		default:
			return c, bad(fmt.Sprintf("%s is not a valid change command", instr))
		}
	}
	return c, nil
}

// commandForm is a CMD or ENTRYPOINT argument: a JSON array as it is, any
// other text run by the shell (["/bin/sh", "-c", text] by default).
func commandForm(arg string, shell []string) []string {
	var argv []string
	if strings.HasPrefix(arg, "[") && json.Unmarshal([]byte(arg), &argv) == nil {
		return argv
	}
	if len(shell) == 0 {
		shell = []string{"/bin/sh", "-c"}
	}
	return append(slices.Clone(shell), arg)
}

// keyValues splits ENV and LABEL arguments: KEY=VALUE pairs (values may be
// double-quoted), or the legacy single "KEY VALUE".
func keyValues(arg string) ([]string, error) {
	if k, v, ok := strings.Cut(arg, " "); ok && !strings.Contains(k, "=") {
		return []string{k + "=" + strings.TrimSpace(v)}, nil
	}
	var out []string
	for arg = strings.TrimSpace(arg); arg != ""; arg = strings.TrimSpace(arg) {
		k, rest, ok := strings.Cut(arg, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("expected KEY=VALUE")
		}
		var v string
		if strings.HasPrefix(rest, `"`) {
			end := strings.Index(rest[1:], `"`)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			v, arg = rest[1:end+1], rest[end+2:]
		} else {
			v, arg, _ = strings.Cut(rest, " ")
		}
		out = append(out, k+"="+v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("expected KEY=VALUE")
	}
	return out, nil
}
