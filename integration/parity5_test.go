package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// columns splits a table line at its runs of two or more spaces.
func columns(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

// firstLine is a command's first output line.
func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestParity5Headers: the header lines of the listing verbs are docker's
// (docker/cli's formatter constants), and a table template's header is
// rendered as docker's formatter renders it: {{.Label "KEY"}} is titled by
// the key's last dotted part, a function keeps the column's title.
func TestParity5Headers(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	id := okAt(t, store, "run", "-d", "--label", "com.example.tier=web", "busybox", "sleep", "60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", id) })
	okAt(t, store, "volume", "create", "v1")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"ps"}, []string{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}},
		{[]string{"ps", "-s"}, []string{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", "SIZE"}},
		{[]string{"images"}, []string{"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}},
		{[]string{"volume", "ls"}, []string{"DRIVER", "VOLUME NAME"}},
		{[]string{"network", "ls"}, []string{"NETWORK ID", "NAME", "DRIVER", "SCOPE"}},
		{[]string{"stats", "--no-stream"}, []string{"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"}},
		{[]string{"history", "busybox"}, []string{"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}},
		{[]string{"ps", "--format", `table {{.Label "com.example.tier"}}\t{{upper .Image}}\t{{json .Names}}\t{{.LocalVolumes}}`},
			[]string{"tier", "IMAGE", "NAMES", "LOCAL VOLUMES"}},
		{[]string{"ps", "--format", `table {{.Mounts}}\t{{.Networks}}\t{{.Platform}}\t{{.CreatedAt}}`},
			[]string{"MOUNTS", "NETWORKS", "PLATFORM", "CREATED AT"}},
		{[]string{"top", id}, []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}},
		{[]string{"network", "ls", "--format", `table {{.ID}}\t{{.IPv4}}\t{{.IPv6}}\t{{.Internal}}\t{{.CreatedAt}}`},
			[]string{"NETWORK ID", "IPV4", "IPV6", "INTERNAL", "CREATED AT"}},
		{[]string{"volume", "ls", "--format", `table {{.Name}}\t{{.Size}}\t{{.Label "a.b-c"}}`}, []string{"VOLUME NAME", "SIZE", "b c"}},
		{[]string{"images", "--format", `table {{.ID}}\t{{.CreatedAt}}\t{{.Digest}}`}, []string{"IMAGE ID", "CREATED AT", "DIGEST"}},
	} {
		out := okAt(t, store, c.args...)
		if got := columns(firstLine(out)); !slices.Equal(got, c.want) {
			t.Errorf("%s: header %q, want %q", strings.Join(c.args, " "), got, c.want)
		}
	}
	// docker's top writes through a tabwriter with 20-column cells
	if top := okAt(t, store, "top", id); !strings.HasPrefix(top, "UID"+strings.Repeat(" ", 17)+"PID") {
		t.Errorf("top header %q, want docker's 20-wide columns", firstLine(top))
	}
	// a header with no rows still has the verb's titles
	if got := firstLine(okAt(t, store, "ps", "--filter", "name=nothing-such", "--format", "table {{.ID}}\t{{.Size}}\t{{.RestartCount}}")); !slices.Equal(columns(got), []string{"CONTAINER ID", "SIZE", "RESTARTCOUNT"}) {
		t.Errorf("empty ps table header %q", got)
	}
}

// TestParity5PsFields: ps --format json is docker's object (Platform an
// object, Labels sorted), -s is docker's SIZE, and .Mounts, .Networks and
// .Label "k" print what the container has.
func TestParity5PsFields(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	id := okAt(t, store, "run", "-d", "--label", "b=2", "--label", "a=1", "-v", "data1:/data", "busybox",
		"sh", "-c", "head -c 3000 /dev/zero > /big; sleep 60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", id) })
	var row map[string]any
	if err := json.Unmarshal([]byte(okAt(t, store, "ps", "--format", "json")), &row); err != nil {
		t.Fatalf("ps --format json: %v", err)
	}
	for _, k := range []string{"Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names",
		"Networks", "Platform", "Ports", "RunningFor", "Size", "State", "Status"} {
		if _, ok := row[k]; !ok {
			t.Errorf("ps --format json lacks %q: %v", k, row)
		}
	}
	if p, _ := row["Platform"].(map[string]any); p["os"] != "linux" || p["architecture"] == "" {
		t.Errorf("ps json Platform = %v, want docker's {architecture, os} object", row["Platform"])
	}
	if row["Labels"] != "a=1,b=2" || row["Mounts"] != "data1" || row["LocalVolumes"] != "1" || row["Networks"] != "bridge" {
		t.Errorf("ps json Labels %v Mounts %v LocalVolumes %v Networks %v", row["Labels"], row["Mounts"], row["LocalVolumes"], row["Networks"])
	}
	if got := okAt(t, store, "ps", "--format", `{{.Label "b"}}|{{.Mounts}}|{{.Networks}}|{{.Platform}}`); !strings.HasPrefix(got, "2|data1|bridge|linux/") {
		t.Errorf("ps template = %q", got)
	}
	eventually(t, 10e9, "the container's file written", func() bool {
		return at(t, store, "", "", "exec", id, "test", "-s", "/big").code == 0
	})
	size := columns(strings.Split(okAt(t, store, "ps", "-s"), "\n")[1])
	if s := size[len(size)-1]; !regexp.MustCompile(`^3(\.\d+)?kB \(virtual \d+(\.\d+)?MB\)$`).MatchString(s) {
		t.Errorf("ps -s SIZE = %q, want docker's \"3kB (virtual 2.13MB)\"", s)
	}
}

// TestParity5VolumeOptions: volume create -o is docker's local driver: a
// tmpfs volume is one tmpfs that its containers share, a bind volume
// (type=none, o=bind) is the host directory, volume inspect shows the
// Options, removing the volume keeps the host's files, and bad options or
// a failing mount get docker's lines.
func TestParity5VolumeOptions(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	host := t.TempDir()
	writeFile(t, filepath.Join(host, "from-host"), "hello")
	okAt(t, store, "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=5m,mode=1777", "tv")
	okAt(t, store, "volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device="+host, "bv")
	t.Cleanup(func() {
		at(t, store, "", "", "rm", "-f", "tv-writer")
		at(t, store, "", "", "volume", "rm", "-f", "tv", "bv")
	})
	if got := okAt(t, store, "volume", "inspect", "-f", "{{json .Options}}", "tv"); got != `{"device":"tmpfs","o":"size=5m,mode=1777","type":"tmpfs"}` {
		t.Errorf("volume inspect Options = %s", got)
	}
	okAt(t, store, "run", "-d", "--name", "tv-writer", "-v", "tv:/m", "busybox", "sh", "-c", "echo shared > /m/s; sleep 60")
	eventually(t, 10e9, "the writer's file", func() bool {
		return at(t, store, "", "", "exec", "tv-writer", "test", "-f", "/m/s").code == 0
	})
	got := okAt(t, store, "run", "--rm", "-v", "tv:/m", "busybox", "sh", "-c", "cat /m/s; grep ' /m ' /proc/mounts")
	if !strings.HasPrefix(got, "shared\ntmpfs /m tmpfs") || !strings.Contains(got, "size=5120k") {
		t.Errorf("a second container on the tmpfs volume sees %q, want the writer's file on a 5m tmpfs", got)
	}
	if got := okAt(t, store, "run", "--rm", "-v", "bv:/m", "busybox", "sh", "-c", "cat /m/from-host; echo back > /m/from-ctr"); got != "hello" {
		t.Errorf("bind volume shows %q, want the host file", got)
	}
	if b, err := os.ReadFile(filepath.Join(host, "from-ctr")); err != nil || string(b) != "back\n" {
		t.Errorf("the container's write on the host: %q %v", b, err)
	}
	okAt(t, store, "volume", "rm", "bv")
	if _, err := os.Stat(filepath.Join(host, "from-host")); err != nil {
		t.Errorf("volume rm of a bind volume removed the host's files: %v", err)
	}
	for _, c := range []struct {
		opts []string
		want string
	}{
		{[]string{"-o", "foo=bar"}, `create x1: invalid option: "foo"`},
		{[]string{"-o", "type=tmpfs"}, `create x1: missing required option: "device"`},
		{[]string{"-o", "o=size=1m", "-o", "device=tmpfs"}, `create x1: missing required option: "type"`},
	} {
		r := at(t, store, "", "", append(append([]string{"volume", "create"}, c.opts...), "x1")...)
		if r.code != 1 || strings.TrimSpace(r.stderr) != "berth: "+c.want {
			t.Errorf("volume create %v: %v, want exit 1 and %q", c.opts, r, c.want)
		}
	}
	okAt(t, store, "volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/nonexistent-berth-dir", "nb")
	r := at(t, store, "", "", "run", "--rm", "-v", "nb:/m", "busybox", "true")
	if r.code != 125 || !strings.Contains(r.stderr, "error while mounting volume '") || !strings.Contains(r.stderr, "failed to mount local volume: mount /nonexistent-berth-dir:") {
		t.Errorf("run on a volume whose mount fails: %v", r)
	}
}

// TestParity5Attach: create -a records the streams (inspect's
// AttachStdout...), run -a passes only those, and a bad stream is docker's
// line with exit 125.
func TestParity5Attach(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	id := okAt(t, store, "create", "-a", "stdout", "busybox", "sh", "-c", "echo out; echo err >&2")
	if got := okAt(t, store, "inspect", "-f", "{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}", id); got != "false true false" {
		t.Errorf("create -a stdout: Attach stdin/stdout/stderr = %s", got)
	}
	def := okAt(t, store, "create", "-i", "busybox", "true")
	if got := okAt(t, store, "inspect", "-f", "{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}", def); got != "true true true" {
		t.Errorf("create -i: Attach stdin/stdout/stderr = %s", got)
	}
	r := at(t, store, "", "", "run", "--rm", "-a", "STDERR", "busybox", "sh", "-c", "echo out; echo err >&2")
	if r.code != 0 || r.stdout != "" || r.stderr != "err\n" {
		t.Errorf("run -a STDERR: %v", r)
	}
	for _, args := range [][]string{{"create", "-a", "foo", "busybox"}, {"run", "-a", "foo", "busybox"}} {
		r := at(t, store, "", "", args...)
		if r.code != 125 || strings.TrimSpace(r.stderr) != `berth: invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR` {
			t.Errorf("%v: %v", args, r)
		}
	}
}

// TestParity5RmiInUse: rmi of an image's last name while a container uses
// it is refused with docker's conflict; rmi -f untags it and keeps the
// image (<none>), ps shows the container's image by ID, and the container
// still starts; the ID itself cannot be removed while the container runs.
func TestParity5RmiInUse(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	okAt(t, store, "tag", "busybox", "solo:1")
	okAt(t, store, "rmi", "busybox") // solo:1 is its last name now
	imgID := okAt(t, store, "images", "-q", "solo:1")
	id := okAt(t, store, "run", "-d", "solo:1", "sleep", "60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", id) })
	r := at(t, store, "", "", "rmi", "solo:1")
	want := `berth: conflict: unable to remove repository reference "solo:1" (must force) - container ` + id[:12] + ` is using its referenced image ` + imgID
	if r.code != 1 || strings.TrimSpace(r.stderr) != want {
		t.Errorf("rmi solo:1: %v\nwant exit 1 and %q", r, want)
	}
	if got := okAt(t, store, "rmi", "-f", "solo:1"); got != "Untagged: solo:1" {
		t.Errorf("rmi -f solo:1 = %q", got)
	}
	if got := okAt(t, store, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"); got != "<none>:<none> "+imgID {
		t.Errorf("images after rmi -f = %q, want the image kept as <none>", got)
	}
	if got := okAt(t, store, "ps", "--format", "{{.Image}}"); got != imgID {
		t.Errorf("ps IMAGE after the untag = %q, want %s", got, imgID)
	}
	r = at(t, store, "", "", "rmi", "-f", imgID)
	want = "berth: conflict: unable to delete " + imgID + " (cannot be forced) - image is being used by running container " + id[:12]
	if r.code != 1 || strings.TrimSpace(r.stderr) != want {
		t.Errorf("rmi -f ID of a running container's image: %v\nwant %q", r, want)
	}
	okAt(t, store, "rm", "-f", id)
	again := okAt(t, store, "create", imgID, "true")
	r = at(t, store, "", "", "rmi", imgID)
	want = "berth: conflict: unable to delete " + imgID + " (must be forced) - image is being used by stopped container " + again[:12]
	if r.code != 1 || strings.TrimSpace(r.stderr) != want {
		t.Errorf("rmi ID of a stopped container's image: %v\nwant %q", r, want)
	}
	if r := at(t, store, "", "", "start", "-a", again); r.code != 0 {
		t.Errorf("the container of an untagged image does not start: %v", r)
	}
}
