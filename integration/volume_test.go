package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestVolumes: a named volume keeps its data after its container is
// removed; --volumes-from sees the same data; :ro refuses writes; rm -v
// removes anonymous volumes only; a volume in use cannot be removed; an
// image's VOLUME is filled from the image on first use.
func TestVolumes(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	vols := func() []string { return strings.Fields(ok(t, b("volume", "ls", "-q")...)) }

	if got := ok(t, b("volume", "create", "--label", "class=k8s", "data")...); got != "data" {
		t.Fatalf("volume create: %q", got)
	}
	ok(t, b("run", "--name", "writer", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f")...)
	ok(t, b("rm", "writer")...)
	if got := ok(t, b("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/f")...); got != "kept" {
		t.Errorf("after the writer's removal: %q", got)
	}
	r := berth(t, b("run", "--rm", "-v", "data:/data:ro", "busybox", "sh", "-c", "echo x > /data/g")...)
	if r.code == 0 || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf(":ro allowed a write: %v", r)
	}

	ok(t, b("run", "-d", "--name", "src", "-v", "data:/data", "-v", "/scratch", "busybox", "sh", "-c", "echo anon > /scratch/a; exec sleep 300")...)
	t.Cleanup(func() { berth(t, b("rm", "-f", "src")...) })
	eventually(t, 10e9, "the anonymous volume written", func() bool {
		return berth(t, b("exec", "src", "cat", "/scratch/a")...).code == 0
	})
	if got := ok(t, b("run", "--rm", "--volumes-from", "src:ro", "busybox", "cat", "/data/f", "/scratch/a")...); got != "kept\nanon" {
		t.Errorf("--volumes-from: %q", got)
	}
	if n := len(vols()); n != 2 {
		t.Errorf("%d volumes, want data and one anonymous", n)
	}
	if got := ok(t, b("volume", "ls", "-q", "--filter", "label=com.docker.volume.anonymous")...); len(got) != 64 {
		t.Errorf("the anonymous volume by its label: %q", got)
	}
	fails(t, 1, []string{"volume data is in use by container src"}, b("volume", "rm", "data")...)
	if got := ok(t, b("inspect", "-f", "{{range .Mounts}}{{.Type}}:{{.Destination}}:{{.RW}} {{end}}", "src")...); got != "volume:/data:true volume:/scratch:true" {
		t.Errorf("inspect Mounts: %q", got)
	}
	ok(t, b("rm", "-f", "-v", "src")...)
	if got := vols(); len(got) != 1 || got[0] != "data" {
		t.Errorf("after rm -v: %v", got)
	}
	if got := ok(t, b("volume", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Labels}}", "data")...); got != "data local map[class:k8s]" {
		t.Errorf("volume inspect: %q", got)
	}

	// An image's VOLUME: an anonymous volume filled from the image, owners kept.
	ok(t, b("run", "--name", "mk", "busybox", "sh", "-c", "mkdir /srv && echo seed > /srv/s && chown 7:7 /srv/s")...)
	ok(t, b("commit", "-c", `VOLUME ["/srv"]`, "mk", "volimg:1")...)
	if got := ok(t, b("run", "--rm", "volimg:1", "sh", "-c", "ls -ln /srv/s | awk '{print $3, $4}'; cat /srv/s")...); got != "7 7\nseed" {
		t.Errorf("image VOLUME copy-up: %q", got)
	}
	if got := vols(); len(got) != 1 {
		t.Errorf("--rm left the anonymous volume: %v", got)
	}
	if got := ok(t, b("run", "--rm", "--mount", "type=volume,source=empty,target=/srv,volume-nocopy", "volimg:1", "ls", "-A", "/srv")...); got != "" {
		t.Errorf("volume-nocopy copied: %q", got)
	}

	ok(t, b("volume", "rm", "empty")...)
	if got := ok(t, b("volume", "prune", "-f", "--all")...); !strings.Contains(got, "data") {
		t.Errorf("prune --all: %q", got)
	}
	if got := vols(); len(got) != 0 {
		t.Errorf("after prune: %v", got)
	}
}

// TestBindsAndTmpfs: -v makes a missing host directory, --mount type=bind
// refuses one, --tmpfs and --mount type=tmpfs give writable tmpfs, and
// --read-only keeps them writable.
func TestBindsAndTmpfs(t *testing.T) {
	t.Parallel()
	host := filepath.Join(t.TempDir(), "made", "by", "berth")
	ok(t, "run", "--rm", "--read-only", "-v", host+":/out", "--tmpfs", "/scratch:size=1m", "--mount", "type=tmpfs,target=/t2,tmpfs-size=2m",
		"busybox", "sh", "-c", "echo out > /out/f && echo s > /scratch/s && echo t > /t2/t")
	r := berth(t, "run", "--rm", "--read-only", "--tmpfs", "/scratch", "busybox", "sh", "-c", "echo s > /scratch/s && echo x > /x")
	if r.code == 0 || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("--read-only let / be written: %v", r)
	}
	if data, err := os.ReadFile(filepath.Join(host, "f")); err != nil || string(data) != "out\n" {
		t.Errorf("bind: %q, %v", data, err)
	}
	fails(t, 125, []string{"bind source path does not exist"}, "run", "--rm", "--mount", "type=bind,source=/no/such/dir,target=/x", "busybox", "true")
}

// TestVolumeBadInput: one line each, exit 125 for run, nothing left.
func TestVolumeBadInput(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	file := filepath.Join(t.TempDir(), "afile")
	writeFile(t, file, "x")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-v", "bad name:/x"}, "includes invalid characters"},
		{[]string{"-v", "data:relative"}, "the container path must be absolute"},
		{[]string{"-v", "./here:/x"}, "a host path must be absolute"},
		{[]string{"-v", "/a:/x", "-v", "/b:/x"}, "duplicate mount point: /x"},
		{[]string{"-v", file + "/sub:/x"}, "cannot create it"},
		{[]string{"--volumes-from", "nobody-here"}, `"nobody-here": not found`},
		{[]string{"--mount", "type=nfs,target=/x"}, "type must be bind, volume or tmpfs"},
		{[]string{"-v", "named:/x:bogus"}, `unknown option "bogus"`},
		{[]string{"--mount", "type=volume,source=v1,target=/x,volume-opt=type=nfs"}, "volume-opt"},
		{[]string{"-v", "v1:/x", "--tmpfs", "/x"}, "duplicate mount point: /x"},
		{[]string{"--tmpfs", "/x:size=lots"}, `option "size=lots": bad value`},
		{[]string{"--mount", "type=bind,src=/tmp,dst=/x,bind-propagation=weird"}, "bind-propagation must be"},
		{[]string{"--mount", "type=tmpfs,dst=/x,volume-nocopy"}, "does not fit type=tmpfs"},
	} {
		fails(t, 125, []string{c.msg}, b(append(append([]string{"run", "--rm"}, c.args...), "busybox", "true")...)...)
	}
	if got := ok(t, b("volume", "ls", "-q")...); got != "" {
		t.Errorf("volumes left behind: %q", got)
	}
	if got := ok(t, b("ps", "-aq")...); got != "" {
		t.Errorf("containers left behind: %q", got)
	}
	fails(t, 1, []string{"includes invalid characters"}, b("volume", "create", "_bad")...)
	fails(t, 1, []string{"too short"}, b("volume", "create", "a")...)
	fails(t, 1, []string{`volume "missing": not found`}, b("volume", "rm", "missing")...)
}

// TestVolumeConcurrency: runs that create one named volume at the same time
// all get it; a volume rm racing them either wins (no container has it yet)
// or is refused naming a container; ls filters, labels from --mount and
// system df agree.
func TestVolumeConcurrency(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan string, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			r := berth(t, b("create", "--name", fmt.Sprintf("c%d", i), "--mount", "type=volume,src=shared,dst=/d,volume-label=team=x", "busybox", "true")...)
			if r.code != 0 {
				errs <- "create: " + r.String()
			}
		}(i)
		go func() {
			defer wg.Done()
			r := berth(t, b("volume", "rm", "shared")...)
			if r.code != 0 && !strings.Contains(r.stderr, "not found") && !strings.Contains(r.stderr, "in use by container c") {
				errs <- "volume rm: " + r.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// every container's volume still exists: rm never removed one in use
	for i := 0; i < n; i++ {
		name := ok(t, b("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", fmt.Sprintf("c%d", i))...)
		if got := ok(t, b("volume", "inspect", "-f", "{{.Name}} {{.Labels}}", name)...); got != "shared map[team:x]" {
			t.Errorf("c%d's volume: %q", i, got)
		}
	}
	ok(t, b("volume", "create", "idle")...)
	if got := ok(t, b("volume", "ls", "-q", "--filter", "dangling=true")...); got != "idle" {
		t.Errorf("dangling: %q", got)
	}
	if got := ok(t, b("volume", "ls", "--format", "{{.Driver}} {{.Name}}", "--filter", "name=sha")...); got != "local shared" {
		t.Errorf("name filter: %q", got)
	}
	df := ok(t, b("system", "df")...)
	if !regexp.MustCompile(`Local Volumes\s+2\s+1\s`).MatchString(df) {
		t.Errorf("system df:\n%s", df)
	}
	if dfv := ok(t, b("system", "df", "-v")...); !regexp.MustCompile(`(?m)"true"\s+1\s.*\sc0$`).MatchString(dfv) {
		t.Errorf("system df -v: c0 mounts one local volume:\n%s", dfv)
	}
}
