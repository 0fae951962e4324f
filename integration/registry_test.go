package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/testutil"
)

// at runs berth on the store root, with DOCKER_CONFIG set to cfg when not
// empty, and a 2-minute limit.
func at(t *testing.T, root, cfg, stdin string, args ...string) result {
	t.Helper()
	testutil.RequiresRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, append([]string{"--root", root}, args...)...)
	cmd.Env = os.Environ()
	if cfg != "" {
		cmd.Env = append(cmd.Env, "DOCKER_CONFIG="+cfg)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, strings.NewReader(stdin)
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("berth %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// okAt is at that must succeed; it returns stdout, trimmed.
func okAt(t *testing.T, root string, args ...string) string {
	t.Helper()
	r := at(t, root, "", "", args...)
	if r.code != 0 {
		t.Fatalf("berth %s: %v", strings.Join(args, " "), r)
	}
	return strings.TrimSpace(r.stdout)
}

// berthRegistry runs `berth registry serve` on a free loopback port with
// dir, until stop or the end of the test. It returns host:port.
func berthRegistry(t *testing.T, dir string) (addr string, stop func()) {
	t.Helper()
	s := serveRegistry(t, dir)
	return s.addr, s.stop
}

// servedRegistry is a running `berth registry serve`.
type servedRegistry struct {
	addr  string
	cmd   *exec.Cmd
	lines []string // what it printed at start: address, fingerprint, warnings
	stop  func()
}

// serveRegistry runs `berth registry serve --dir dir` with args on a free
// loopback port (unless args give --addr) until stop or the end of the
// test.
func serveRegistry(t *testing.T, dir string, args ...string) *servedRegistry {
	t.Helper()
	testutil.RequiresRoot(t)
	full := []string{"registry", "serve", "--dir", dir}
	if !slices.Contains(args, "--addr") {
		full = append(full, "--addr", "127.0.0.1:0")
	}
	cmd := exec.Command(berthBin, append(full, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &servedRegistry{cmd: cmd}
	stopped := false
	s.stop = func() {
		if !stopped {
			stopped = true
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	}
	t.Cleanup(s.stop)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The fingerprint and warnings come first; the address line last.
	for line := range lines {
		s.lines = append(s.lines, line)
		if _, rest, found := strings.Cut(line, "listening on "); found {
			s.addr, _, _ = strings.Cut(rest, ",")
			go func() {
				for range lines {
				}
			}()
			return s
		}
	}
	t.Fatalf("berth registry serve did not start: %q", s.lines)
	return nil
}

// freePort is a loopback port nothing listens on right now.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// distribution runs Debian's docker-registry (the CNCF distribution
// server) on a free loopback port until the end of the test.
func distribution(t *testing.T) string {
	t.Helper()
	testutil.RequiresCommand(t, "docker-registry")
	dir, addr := t.TempDir(), freePort(t)
	cfg := filepath.Join(dir, "config.yml")
	writeFile(t, cfg, fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr))
	cmd := exec.Command("docker-registry", "serve", cfg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	eventually(t, 10*time.Second, "docker-registry answers on "+addr, func() bool {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return addr
}

// TestRegistrySeedWorkflow is the lesson's workflow with berth alone: start
// a registry, tag, push, remove the local copy, pull it back, run it,
// change it, commit, push the new image, and a classmate pulls and runs it
// (after the registry restarted: it keeps everything on disk).
func TestRegistrySeedWorkflow(t *testing.T) {
	regDir := t.TempDir()
	reg, stop := berthRegistry(t, regDir)
	me, classmate := tempStore(t), tempStore(t)
	okAt(t, me, "bootstrap")
	v1, v2 := reg+"/class/hello:v1", reg+"/class/hello:v2"
	okAt(t, me, "tag", "busybox", v1)
	if out := okAt(t, me, "push", v1); !strings.Contains(out, "v1: digest: sha256:") {
		t.Errorf("push output %q lacks the digest summary", out)
	}
	okAt(t, me, "rmi", v1)
	okAt(t, me, "rmi", "busybox")
	if out := okAt(t, me, "images", "-q"); out != "" {
		t.Fatalf("images after rmi: %q", out)
	}
	if out := okAt(t, me, "pull", v1); !strings.Contains(out, "Digest: sha256:") || !strings.Contains(out, "Status: Downloaded newer image for "+v1) {
		t.Errorf("pull output %q lacks the summary", out)
	}
	if out := okAt(t, me, "run", "--rm", v1, "echo", "pulled"); out != "pulled" {
		t.Errorf("run of the pulled image: %q", out)
	}
	okAt(t, me, "run", "--name", "seed-change", v1, "sh", "-c", "echo hello class > /greeting")
	t.Cleanup(func() { at(t, me, "", "", "rm", "-f", "seed-change") })
	okAt(t, me, "commit", "seed-change", v2)
	okAt(t, me, "push", v2)
	if out := okAt(t, me, "images", "--remote", "--format", "{{.Repository}}:{{.Tag}} {{.Source}} {{.Registry}}"); !strings.Contains(out, v2+" "+v2+" up to date") {
		t.Errorf("images --remote: %q, want %s from %s, up to date", out, v2, v2)
	}

	stop()
	reg2, _ := berthRegistry(t, regDir)
	if reg2 != reg { // the port is new: rename for the classmate
		v2 = reg2 + "/class/hello:v2"
	}
	if out := okAt(t, me, "registry", "ls", "--addr", reg2); !strings.Contains(out, "class/hello") || !strings.Contains(out, "v1, v2") {
		t.Errorf("registry ls after restart: %q", out)
	}
	okAt(t, classmate, "pull", v2)
	if out := okAt(t, classmate, "run", "--rm", v2, "cat", "/greeting"); out != "hello class" {
		t.Errorf("classmate's run: %q, want %q", out, "hello class")
	}
	// The classmate changes v2 and pushes it: my copy is now behind.
	okAt(t, classmate, "run", "--name", "seed-change2", v2, "sh", "-c", "echo again > /greeting")
	t.Cleanup(func() { at(t, classmate, "", "", "rm", "-f", "seed-change2") })
	okAt(t, classmate, "commit", "seed-change2", v2)
	okAt(t, me, "tag", reg+"/class/hello:v2", v2)
	okAt(t, me, "push", v2)        // my copy is the registry's, and my source...
	okAt(t, classmate, "push", v2) // ...until the classmate pushes theirs
	if out := okAt(t, me, "images", "--remote", "--format", "{{.Repository}}:{{.Tag}} {{.Registry}}"); !strings.Contains(out, v2+" newer in registry") {
		t.Errorf("images --remote after a classmate's push: %q, want %s newer in registry", out, v2)
	}
}
