package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// credHelper installs docker-credential-berthtest on PATH: a credential
// helper keeping one credential in dir/creds.json and logging its calls
// in dir/calls.
func credHelper(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	script := `#!/bin/sh
d=` + dir + `
case "$1" in
store) cat > "$d/creds.json"; echo store >> "$d/calls" ;;
get) read -r url; echo "get $url" >> "$d/calls"
  if [ -f "$d/creds.json" ]; then cat "$d/creds.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;
erase) read -r url; echo "erase $url" >> "$d/calls"; rm -f "$d/creds.json" ;;
list) echo '{}' ;;
*) exit 1 ;;
esac
`
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bin", "docker-credential-berthtest"), script)
	if err := os.Chmod(filepath.Join(dir, "bin", "docker-credential-berthtest"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Join(dir, "bin")+":"+os.Getenv("PATH"))
	return dir
}

// TestRegistryCredentialHelpers: with credsStore in the docker config,
// login stores the password through the helper (not in config.json),
// pull gets it from the helper, logout erases it; with credHelpers naming
// a helper for one registry, pull uses what that helper holds.
func TestRegistryCredentialHelpers(t *testing.T) {
	sp := newSpoiler(t)
	sp.push(t, "auth:v1", 1024, 1)
	sp.set(func() { sp.user = "teacher" })
	helper := credHelper(t)
	store, cfg := tempStore(t), t.TempDir()
	ref := sp.host() + "/auth:v1"
	writeFile(t, filepath.Join(cfg, "config.json"), `{"credsStore": "berthtest"}`)
	if r := at(t, store, cfg, "right\n", "login", "-u", "teacher", "--password-stdin", sp.host()); r.code != 0 {
		t.Fatalf("login through a credsStore: %v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(cfg, "config.json")); strings.Contains(string(data), "auth\"") || strings.Contains(string(data), "cmlnaHQ") {
		t.Errorf("config.json keeps the password despite credsStore: %s", data)
	}
	if data, _ := os.ReadFile(filepath.Join(helper, "creds.json")); !strings.Contains(string(data), `"Secret":"right"`) {
		t.Errorf("the helper was given %s", data)
	}
	if r := at(t, store, cfg, "", "pull", ref); r.code != 0 {
		t.Fatalf("pull with a credsStore: %v", r)
	}
	if r := at(t, store, cfg, "", "logout", sp.host()); r.code != 0 {
		t.Fatalf("logout through a credsStore: %v", r)
	}
	calls, _ := os.ReadFile(filepath.Join(helper, "calls"))
	for _, want := range []string{"store", "get " + sp.host(), "erase " + sp.host()} {
		if !strings.Contains(string(calls), want) {
			t.Errorf("helper calls %q lack %q", calls, want)
		}
	}
	if r := at(t, tempStore(t), cfg, "", "pull", ref); r.code != 1 || !strings.Contains(r.stderr, "access denied") {
		t.Errorf("pull after logout: %v", r)
	}

	// credHelpers: this registry's credentials come from the helper only.
	writeFile(t, filepath.Join(helper, "creds.json"), `{"ServerURL":"`+sp.host()+`","Username":"teacher","Secret":"right"}`)
	writeFile(t, filepath.Join(cfg, "config.json"), `{"credHelpers": {"`+sp.host()+`": "berthtest"}}`)
	if r := at(t, tempStore(t), cfg, "", "pull", ref); r.code != 0 {
		t.Errorf("pull with credHelpers: %v", r)
	}
}
