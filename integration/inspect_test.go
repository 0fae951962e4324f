package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// liveJSON runs `inspect --VIEW --json` on one container and decodes the
// first element of the array.
func liveJSON(t *testing.T, view, ref string, v any) {
	t.Helper()
	out := ok(t, "inspect", "--"+view, "--json", ref)
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(out), &arr); err != nil || len(arr) != 1 {
		t.Fatalf("inspect --%s --json: %v\n%s", view, err, out)
	}
	if err := json.Unmarshal(arr[0], v); err != nil {
		t.Fatalf("inspect --%s --json: %v", view, err)
	}
}

func nsInode(t *testing.T, pid int, typ string) uint64 {
	t.Helper()
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, typ))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.ParseUint(strings.Trim(link[strings.IndexByte(link, '['):], "[]"), 10, 64)
	return n
}

type procNode struct {
	PID, ContainerPID, UID int
	ContainerUID           int `json:"containerUid"`
	Cmd                    string
	Children               []procNode `json:"children"`
}

func flatten(ns []procNode) []procNode {
	var out []procNode
	for _, n := range ns {
		out = append(out, n)
		out = append(out, flatten(n.Children)...)
	}
	return out
}

func TestInspectLiveViews(t *testing.T) {
	t.Parallel()
	n := name(t, "v")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "--network", "none", "--memory", "64m", "busybox", "sh", "-c", "sleep 301 & sleep 302 & wait")
	pid := pidOf(t, inspectField(t, n, "{{.State.Pid}}"))
	id := inspectField(t, n, "{{.Id}}")

	var nss []struct {
		Type       string   `json:"type"`
		Inode      uint64   `json:"inode"`
		Host       bool     `json:"host"`
		SharedWith []string `json:"sharedWith"`
	}
	liveJSON(t, "namespaces", n, &nss)
	seen := map[string]bool{}
	for _, ns := range nss {
		seen[ns.Type] = true
		if want := nsInode(t, pid, ns.Type); ns.Inode != want {
			t.Errorf("namespace %s: inode %d, /proc says %d", ns.Type, ns.Inode, want)
		}
		switch ns.Type {
		case "net", "pid", "pid_for_children", "mnt", "ipc", "uts":
			if ns.Host {
				t.Errorf("namespace %s: the host's, want the container's own", ns.Type)
			}
		case "user":
			if !ns.Host {
				t.Errorf("namespace user: own, want the host's (berth makes no user namespace)")
			}
		}
	}
	for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "user", "uts"} {
		if !seen[typ] {
			t.Errorf("namespaces lack %s: %+v", typ, nss)
		}
	}

	var tree []procNode
	eventually(t, 10*time.Second, "three processes in the tree", func() bool {
		tree = nil
		liveJSON(t, "processes", n, &tree)
		return len(flatten(tree)) == 3
	})
	if len(tree) != 1 || tree[0].PID != pid || tree[0].ContainerPID != 1 || len(tree[0].Children) != 2 {
		t.Fatalf("process tree: want init %d (container PID 1) with two children, got %+v", pid, tree)
	}
	for _, p := range flatten(tree) {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "NSpid:" {
				if got := atoi(f[len(f)-1]); got != p.ContainerPID || atoi(f[1]) != p.PID {
					t.Errorf("process %d: container PID %d, /proc NSpid says %v", p.PID, p.ContainerPID, f[1:])
				}
			}
		}
		if p.UID != 0 || p.ContainerUID != 0 {
			t.Errorf("process %d: uid %d / container uid %d, want 0/0", p.PID, p.UID, p.ContainerUID)
		}
	}

	var mv struct {
		Mounts []struct{ Target, FSType string } `json:"mounts"`
		RootFS []struct {
			Path  string `json:"path"`
			Layer int    `json:"layer"`
			Role  string `json:"role"`
		} `json:"rootfs"`
	}
	liveJSON(t, "mounts", n, &mv)
	if len(mv.Mounts) == 0 || mv.Mounts[0].Target != "/" || mv.Mounts[0].FSType != "overlay" {
		t.Errorf("mounts: want / on overlay first, got %+v", mv.Mounts)
	}
	if l := len(mv.RootFS); l < 3 || mv.RootFS[l-2].Role != "writable layer" || !strings.HasSuffix(mv.RootFS[l-2].Path, id+"/upper") || mv.RootFS[0].Role != "image layer" {
		t.Errorf("rootfs layers: %+v", mv.RootFS)
	}

	var nv struct {
		Interfaces []struct {
			Name      string   `json:"name"`
			Addresses []string `json:"addresses"`
		} `json:"interfaces"`
		Host bool `json:"host"`
	}
	liveJSON(t, "net", n, &nv)
	if nv.Host || len(nv.Interfaces) != 1 || nv.Interfaces[0].Name != "lo" || !strings.Contains(strings.Join(nv.Interfaces[0].Addresses, " "), "127.0.0.1/8") {
		t.Errorf("net of a --network none container: %+v", nv)
	}

	var sec struct {
		Effective  []string `json:"effective"`
		Seccomp    string   `json:"seccomp"`
		NoNewPrivs bool     `json:"noNewPrivs"`
	}
	liveJSON(t, "security", n, &sec)
	caps := strings.Join(sec.Effective, " ")
	if sec.Seccomp != "filter" || !sec.NoNewPrivs || !strings.Contains(caps, "CAP_CHOWN") || strings.Contains(caps, "CAP_SYS_ADMIN") || len(sec.Effective) != 14 {
		t.Errorf("security: %+v", sec)
	}
	if out := ok(t, "inspect", "--processes", n); !strings.Contains(out, "└─ sleep 30") {
		t.Errorf("inspect --processes draws no tree:\n%s", out)
	}

	// Figures from the cgroup: the limit as given.
	if got := ok(t, "stats", "--no-stream", "--format", "{{.MemUsage}}|{{.PIDs}}", n); !strings.Contains(got, "/ 64MiB|3") {
		t.Errorf("stats of a --memory 64m container with 3 processes: %q", got)
	}
	// top is docker's: the host's ps -ef columns, only this container's rows.
	top := ok(t, "top", n)
	if lines := strings.Split(top, "\n"); !strings.HasPrefix(lines[0], "UID ") || !strings.Contains(lines[0], " PID ") ||
		!strings.HasSuffix(lines[0], "CMD") || !strings.Contains(top, fmt.Sprintf(" %d ", pid)) || strings.Contains(top, "/sbin/init") {
		t.Errorf("top is not ps -ef of the container's processes:\n%s", top)
	}
	if top := ok(t, "top", n, "-o", "pid,comm"); strings.Join(strings.Fields(strings.Split(top, "\n")[0]), " ") != "PID COMMAND" ||
		!strings.Contains(top, fmt.Sprintf("\n%d ", pid)) {
		t.Errorf("top with ps options:\n%s", top)
	}
	fails(t, 1, []string{"no PID column"}, "top", n, "-o", "comm")

	// Bad input: one line each.
	ok(t, "stop", "-t", "0", n)
	for _, view := range []string{"namespaces", "processes", "mounts", "net", "security"} {
		fails(t, 1, []string{n, "is not running"}, "inspect", "--"+view, n)
	}
	fails(t, 1, []string{"nope-" + n, "not found"}, "inspect", "--namespaces", "nope-"+n)
	fails(t, 1, []string{n, "is not running"}, "stats", "--no-stream", n)
}

func TestStatsBusyLoop(t *testing.T) {
	t.Parallel()
	n := name(t, "busy")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "--cpus", "0.5", "--pids-limit", "20", "busybox", "sh", "-c", "while :; do :; done")
	out := ok(t, "stats", "--no-stream", "--format", "json", n)
	var row map[string]string
	if err := json.Unmarshal([]byte(out), &row); err != nil {
		t.Fatalf("stats --format json: %v: %q", err, out)
	}
	cpu, _ := strconv.ParseFloat(strings.TrimSuffix(row["CPUPerc"], "%"), 64)
	host, _ := strconv.ParseFloat(strings.TrimSuffix(row["HostCPUPerc"], "%"), 64)
	// The share it gets depends on the machine's load; that the limit
	// holds shows in Throttled below.
	if cpu <= 0 {
		t.Errorf("CPU %% of a busy loop: %v (%v)", cpu, row)
	}
	if host <= 0 || host > cpu {
		t.Errorf("host CPU %% %v should be CPU %% %v over the machine's cores", host, cpu)
	}
	if row["PIDs"] != "1 / 20" || row["Throttled"] == "0" {
		t.Errorf("stats of --pids-limit 20 --cpus 0.5: PIDs %q, throttled %q", row["PIDs"], row["Throttled"])
	}
	// docker's columns by default, berth's with --extended.
	header := strings.Split(ok(t, "stats", "--no-stream"), "\n")[0]
	if got := strings.Join(strings.Fields(header), " "); got != "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS" {
		t.Errorf("stats header is not docker's: %q", header)
	}
	table := ok(t, "stats", "--no-stream", "--extended")
	for _, col := range []string{"CONTAINER ID", "CPU %", "HOST CPU %", "MEM USAGE / LIMIT", "ANON / CACHE", "NET I/O", "BLOCK I/O", "PIDS", "THROTTLED", "OOM KILLS", n} {
		if !strings.Contains(table, col) {
			t.Errorf("stats --extended lacks %q:\n%s", col, table)
		}
	}
}

// TestStatsServe scrapes `stats --serve` as Prometheus would.
func TestStatsServe(t *testing.T) {
	t.Parallel()
	n := name(t, "m")
	cleanup(t, n)
	ok(t, "run", "-d", "--name", n, "--memory", "64m", "busybox", "sleep", "300")
	cmd := exec.Command(berthBin, "--root", storeRoot, "stats", "--serve", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "http://127.0.0.1:") {
		t.Fatalf("stats --serve first line %q, %v", line, err)
	}
	url := strings.TrimSpace(line[strings.Index(line, "http://"):])
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`container_spec_memory_limit_bytes{id="/berth/`,
		`name="` + n + `"} 6.7108864e+07`,
		"container_cpu_usage_seconds_total{", "container_memory_working_set_bytes{",
		"container_memory_rss{", "container_memory_cache{", "container_oom_events_total{",
		"container_cpu_cfs_throttled_periods_total{", "container_network_receive_bytes_total{",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}
