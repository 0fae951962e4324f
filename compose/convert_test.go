package compose

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCreateOptions: a service's fields reach the engine's options, with
// docker compose's names and labels; a changed field changes the hash,
// a changed scale does not.
func TestCreateOptions(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	os.WriteFile(file, []byte(`services:
  web:
    image: busybox
    command: ["httpd", "-f"]
    environment: [A=1]
    ports: ["127.0.0.1:8080:80"]
    volumes: [data:/data, ./site:/site:ro]
    restart: on-failure:3
    stop_grace_period: 5s
    healthcheck: {test: "true", interval: 1s}
    networks: {front: {aliases: [www]}, back: {}}
    deploy: {replicas: 2, resources: {limits: {cpus: "0.5", pids: 20, memory: 64m}}}
volumes: {data: {}}
networks: {front: {}, back: {}}
`), 0o600)
	p, err := Load(context.Background(), LoadOptions{Files: []string{file}, Name: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := p.GetService("web")
	hash, _ := ConfigHash(s)
	o, nets, aliases, err := createOptions(p, s, 2, hash, false)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "demo-web-2" || o.Labels[LabelService] != "web" || o.Labels[LabelNumber] != "2" || o.Labels[LabelConfigHash] != hash {
		t.Errorf("name and labels: %s %v", o.Name, o.Labels)
	}
	if !slices.Equal(o.Cmd, []string{"httpd", "-f"}) || !slices.Equal(o.Env, []string{"A=1"}) {
		t.Errorf("command and environment: %v %v", o.Cmd, o.Env)
	}
	h := o.Host
	if b := h.PortBindings["80/tcp"]; len(b) != 1 || b[0].HostIP != "127.0.0.1" || b[0].HostPort != "8080" {
		t.Errorf("ports: %v", h.PortBindings)
	}
	if len(h.Mounts) != 2 || h.Mounts[0].Source != "demo_data" || h.Mounts[1].Source != filepath.Join(dir, "site") || !h.Mounts[1].ReadOnly {
		t.Errorf("volumes: %+v", h.Mounts)
	}
	if h.RestartPolicy.Name != "on-failure" || h.RestartPolicy.MaximumRetryCount != 3 || h.Memory != 64<<20 || h.NanoCPUs != 5e8 || h.PidsLimit != 20 {
		t.Errorf("restart and limits: %+v", h)
	}
	if *o.StopTimeout != 5 || o.Healthcheck == nil || o.Healthcheck.Test[0] != "CMD-SHELL" {
		t.Errorf("stop and health: %v %+v", *o.StopTimeout, o.Healthcheck)
	}
	if !slices.Equal(nets, []string{"demo_back", "demo_front"}) || h.NetworkMode != "demo_back" || !slices.Contains(aliases["demo_front"], "www") || !slices.Contains(aliases["demo_front"], "web") {
		t.Errorf("networks: %v %s %v", nets, h.NetworkMode, aliases)
	}
	two := 3
	s.Scale = &two
	if h2, _ := ConfigHash(s); h2 != hash {
		t.Error("the scale changed the config hash")
	}
	s.Environment["A"] = &[]string{"2"}[0]
	if h3, _ := ConfigHash(s); h3 == hash {
		t.Error("a changed environment kept the config hash")
	}
}
