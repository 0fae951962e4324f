package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/testutil"
	"github.com/berthdev/berth/kube"
	"github.com/berthdev/berth/kube/kubetest"
)

// kubeReady is the precondition of the kube tests: root (berth kube is
// part of the berth binary under test).
func kubeReady(t *testing.T) {
	t.Helper()
	testutil.RequiresRoot(t)
}

func inspectAt(t *testing.T, store, ref string) engine.ContainerInspect {
	t.Helper()
	var out []engine.ContainerInspect
	if err := json.Unmarshal([]byte(okAt(t, store, "inspect", ref)), &out); err != nil || len(out) != 1 {
		t.Fatalf("inspect %s: %v", ref, err)
	}
	return out[0]
}

// decodeStrict checks a generated document with the API machinery's strict
// decoding and against the API's OpenAPI schema (kubetest), and that it
// plays without a warning but those expected.
func decodeStrict(t *testing.T, path string, allowed ...string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := kube.Decode(f)
	if err != nil {
		t.Fatalf("generated YAML does not decode strictly: %v", err)
	}
	if data, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	} else if err := kubetest.Validate(data); err != nil {
		t.Errorf("generated YAML does not validate against the OpenAPI schema of Kubernetes %s: %v", kubetest.SchemaFile, err)
	}
	for _, w := range m.Warnings {
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.Contains(w, a) }) {
			t.Errorf("generated YAML has a field play ignores: %s", w)
		}
	}
}

func httpGet(url string) string {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

type mountKey struct {
	Type, Name, Source, Dest string
	RW                       bool
}

func mountsOf(c engine.ContainerInspect) []mountKey {
	var out []mountKey
	for _, m := range c.Mounts {
		k := mountKey{Type: m.Type, Dest: m.Destination, RW: m.RW}
		switch m.Type {
		case "volume":
			k.Name = m.Name
		case "bind":
			k.Source = m.Source
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dest < out[j].Dest })
	return out
}

// TestKubeRoundTrip: containers -> kube generate -> kube play --replace
// gives containers with the same image, command, env, ports, limits,
// volumes, health check and capabilities; the pod serves what its volume
// holds on the published port; a second play replaces; --down removes the
// pod and keeps the claim's volume.
func TestKubeRoundTrip(t *testing.T) {
	kubeReady(t)
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	bind := t.TempDir()
	writeFile(t, filepath.Join(bind, "hello"), "from-the-host\n")
	port := strings.Split(freePort(t), ":")[1]
	okAt(t, store, "volume", "create", "rtdata")
	okAt(t, store, "run", "-d", "--pull", "never", "--name", "web", "-e", "FOO=bar baz", "-w", "/tmp",
		"-p", "127.0.0.1:"+port+":8080", "--memory", "64m", "--cpus", "0.5", "--cpu-shares", "512", "--memory-reservation", "32m",
		"-v", "rtdata:/data", "-v", bind+":/bind:ro", "--tmpfs", "/scratch",
		"--health-cmd", "test -e /data/index.html", "--health-interval", "1s", "--cap-drop", "MKNOD", "--restart", "on-failure",
		"busybox", "sh", "-c", "cp /bind/hello /data/index.html; exec httpd -f -p 8080 -h /data")
	okAt(t, store, "run", "-d", "--pull", "never", "--name", "side", "-e", "SIDE=1", "--entrypoint", "sleep", "--read-only", "busybox", "300")
	before := map[string]engine.ContainerInspect{"web": inspectAt(t, store, "web"), "side": inspectAt(t, store, "side")}

	file := filepath.Join(t.TempDir(), "pod.yaml")
	okAt(t, store, "kube", "generate", "web", "side", "--service", "-f", file)
	decodeStrict(t, file, `PersistentVolumeClaim "rtdata": spec.resources`)
	okAt(t, store, "rm", "-f", "web", "side")
	play := at(t, store, "", "", "kube", "play", "--replace", "--pull", "never", file)
	if play.code != 0 {
		t.Fatalf("kube play: %v", play)
	}
	infra := inspectAt(t, store, "web-pod-infra")
	for name, was := range before {
		now := inspectAt(t, store, "web-pod-"+name)
		if now.Config.Image != was.Config.Image {
			t.Errorf("%s: image %q, was %q", name, now.Config.Image, was.Config.Image)
		}
		if got, want := append([]string{now.Path}, now.Args...), append([]string{was.Path}, was.Args...); !slices.Equal(got, want) {
			t.Errorf("%s: command %q, was %q", name, got, want)
		}
		if got, want := slices.Sorted(slices.Values(now.Config.Env)), slices.Sorted(slices.Values(was.Config.Env)); !slices.Equal(got, want) {
			t.Errorf("%s: env %q, was %q", name, got, want)
		}
		nh, wh := now.HostConfig, was.HostConfig
		if nh.Memory != wh.Memory || nh.NanoCPUs != wh.NanoCPUs || nh.CPUShares != wh.CPUShares || nh.MemoryReservation != wh.MemoryReservation {
			t.Errorf("%s: limits %d %d %d %d, were %d %d %d %d", name, nh.Memory, nh.NanoCPUs, nh.CPUShares, nh.MemoryReservation, wh.Memory, wh.NanoCPUs, wh.CPUShares, wh.MemoryReservation)
		}
		if got, want := mountsOf(now), mountsOf(was); !slices.Equal(got, want) {
			t.Errorf("%s: mounts %+v, were %+v", name, got, want)
		}
		if !slices.Equal(nh.CapDrop, wh.CapDrop) || nh.ReadonlyRootfs != wh.ReadonlyRootfs {
			t.Errorf("%s: security %v %v, was %v %v", name, nh.CapDrop, nh.ReadonlyRootfs, wh.CapDrop, wh.ReadonlyRootfs)
		}
		if was.Config.WorkingDir != now.Config.WorkingDir {
			t.Errorf("%s: working dir %q, was %q", name, now.Config.WorkingDir, was.Config.WorkingDir)
		}
		if nh.NetworkMode != "container:"+infra.ID {
			t.Errorf("%s: network %q, want the infra container's", name, nh.NetworkMode)
		}
	}
	web, was := inspectAt(t, store, "web-pod-web"), before["web"]
	if web.HostConfig.RestartPolicy.Name != "on-failure" {
		t.Errorf("restart policy %+v", web.HostConfig.RestartPolicy)
	}
	if web.Config.Healthcheck == nil || !slices.Equal(web.Config.Healthcheck.Test, was.Config.Healthcheck.Test) {
		t.Errorf("health check %+v, was %+v", web.Config.Healthcheck, was.Config.Healthcheck)
	}
	if got, want := infra.HostConfig.PortBindings["8080/tcp"], was.HostConfig.PortBindings["8080/tcp"]; !slices.Equal(got, want) {
		t.Errorf("published %v, was %v", got, want)
	}
	eventually(t, 20*time.Second, "the played pod serving its volume on 127.0.0.1:"+port, func() bool {
		return httpGet("http://127.0.0.1:"+port+"/") == "from-the-host\n"
	})

	if r := at(t, store, "", "", "kube", "play", "--replace", "--pull", "never", file); r.code != 0 {
		t.Fatalf("second kube play --replace: %v", r)
	}
	if r := at(t, store, "", "", "kube", "play", "--down", file); r.code != 0 {
		t.Fatalf("kube play --down: %v", r)
	}
	if ps := okAt(t, store, "ps", "-aq"); ps != "" {
		t.Errorf("containers left after --down: %q", ps)
	}
	if vols := okAt(t, store, "volume", "ls", "-q"); vols != "rtdata" {
		t.Errorf("volumes after --down: %q, want the claim's rtdata only", vols)
	}
}

// TestKubeLazyInit guards what folding kube into berth costs every exec:
// package kube's own init builds nothing (its scheme, codec and patterns
// are made on first use). Building the scheme at init was 887
// allocations; the package's globals now take a handful.
func TestKubeLazyInit(t *testing.T) {
	cmd := exec.Command(berthBin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("berth version: %v\n%s", err, stderr.String())
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		f := strings.Fields(l)
		// init PKG @T ms, C ms clock, B bytes, A allocs
		if len(f) == 11 && f[0] == "init" && f[1] == "github.com/berthdev/berth/kube" {
			allocs, err := strconv.Atoi(f[9])
			if err != nil {
				t.Fatalf("inittrace line %q: %v", l, err)
			}
			if allocs > 20 {
				t.Fatalf("package kube's init made %d allocations, want a handful (build on first use): %s", allocs, l)
			}
			return
		}
	}
	t.Fatalf("no inittrace line for package kube (is it linked into berth?):\n%s", stderr.String())
}
