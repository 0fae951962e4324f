package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// atEnv is at with extra environment variables.
func atEnv(t *testing.T, root string, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, append([]string{"--root", root}, args...)...)
	cmd.Env = append(os.Environ(), env...)
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

// TestRegistryAuthTLS: a registry with a user, anonymous pulls and a
// self-signed certificate. The fingerprint printed is the certificate's;
// a client that does not trust it is refused; one given the CA by
// --tls-ca logs in and pushes; one with the CA in berth's certs.d layout
// pulls without logging in (anonymous pull) but cannot push.
func TestRegistryAuthTLS(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	htpasswd := filepath.Join(work, "htpasswd")
	store := tempStore(t)
	if r := at(t, store, "", "s3cret\n", "registry", "user", "add", "teacher", "--htpasswd", htpasswd, "--password-stdin"); r.code != 0 {
		t.Fatalf("registry user add: %v", r)
	}
	if fi, err := os.Stat(htpasswd); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("htpasswd: %v, %v; want mode 0600", fi, err)
	}
	reg := serveRegistry(t, dir, "--htpasswd", htpasswd, "--anonymous-pull", "--tls-self-signed")
	ca := filepath.Join(dir, "tls", "cert.pem")
	conn, err := tls.Dial("tcp", reg.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].Raw)
	conn.Close()
	fp := fmt.Sprintf("%X", sum[:])
	var colon []string
	for i := 0; i < len(fp); i += 2 {
		colon = append(colon, fp[i:i+2])
	}
	if !strings.Contains(strings.Join(reg.lines, "\n"), strings.Join(colon, ":")) {
		t.Errorf("start lines %q lack the certificate's fingerprint", reg.lines)
	}

	cfg := t.TempDir() // DOCKER_CONFIG: where login keeps credentials
	noCerts := []string{"DOCKER_CONFIG=" + cfg, "XDG_CONFIG_HOME=" + t.TempDir()}
	okAt(t, store, "bootstrap")
	img := reg.addr + "/class/hello:v1"
	okAt(t, store, "tag", "busybox", img)
	if r := atEnv(t, store, noCerts, "s3cret\n", "login", "-u", "teacher", "--password-stdin", reg.addr); r.code == 0 || strings.Contains(strings.TrimSpace(r.stderr), "\n") || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("login without trusting the certificate: %v, want one error line", r)
	}
	if r := atEnv(t, store, noCerts, "wrong\n", "login", "-u", "teacher", "--password-stdin", "--tls-ca", ca, reg.addr); r.code == 0 || !strings.Contains(r.stderr, "access denied") {
		t.Errorf("login with a wrong password: %v", r)
	}
	if r := atEnv(t, store, noCerts, "", "push", "--tls-ca", ca, img); r.code == 0 || !strings.Contains(r.stderr, "access denied") {
		t.Errorf("push before login: %v, want access denied", r)
	}
	if r := atEnv(t, store, noCerts, "s3cret\n", "login", "-u", "teacher", "--password-stdin", "--tls-ca", ca, reg.addr); r.code != 0 {
		t.Fatalf("login with --tls-ca: %v", r)
	}
	if r := atEnv(t, store, noCerts, "", "push", "--tls-ca", ca, img); r.code != 0 {
		t.Fatalf("push with --tls-ca after login: %v", r)
	}

	// A classmate: the CA in ~/.config/berth/certs.d/HOST:PORT/ca.crt,
	// no login.
	xdg := t.TempDir()
	certsd := filepath.Join(xdg, "berth", "certs.d", reg.addr)
	os.MkdirAll(certsd, 0o755)
	data, _ := os.ReadFile(ca)
	writeFile(t, filepath.Join(certsd, "ca.crt"), string(data))
	classmate := tempStore(t)
	env := []string{"DOCKER_CONFIG=" + t.TempDir(), "XDG_CONFIG_HOME=" + xdg}
	if r := atEnv(t, classmate, env, "", "pull", img); r.code != 0 {
		t.Fatalf("anonymous pull with the CA in certs.d: %v", r)
	}
	if out := okAt(t, classmate, "run", "--rm", img, "echo", "pulled over TLS"); out != "pulled over TLS" {
		t.Errorf("run of the pulled image: %q", out)
	}
	okAt(t, classmate, "tag", img, reg.addr+"/class/hello:mine")
	if r := atEnv(t, classmate, env, "", "push", reg.addr+"/class/hello:mine"); r.code == 0 || !strings.Contains(r.stderr, "access denied") {
		t.Errorf("anonymous push: %v, want access denied", r)
	}
	// The certificate is kept: a restart serves the same one.
	reg.stop()
	again := serveRegistry(t, dir, "--htpasswd", htpasswd, "--anonymous-pull", "--tls-self-signed", "--addr", reg.addr)
	if !strings.Contains(strings.Join(again.lines, "\n"), strings.Join(colon, ":")) {
		t.Errorf("after a restart the fingerprint changed: %q", again.lines)
	}
}

// TestRegistryBindWarning: serving beyond loopback without users says so.
func TestRegistryBindWarning(t *testing.T) {
	reg := serveRegistry(t, t.TempDir(), "--addr", "0.0.0.0:0")
	if !strings.Contains(strings.Join(reg.lines, "\n"), "warning:") {
		t.Errorf("start lines %q lack a warning", reg.lines)
	}
	local := serveRegistry(t, t.TempDir())
	if strings.Contains(strings.Join(local.lines, "\n"), "warning:") {
		t.Errorf("loopback start lines %q warn", local.lines)
	}
}
