package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayersCLI: the table, trees, JSON, cat/diff/extract/history, the CI
// rules with a .dive-ci, and bad input.
func TestLayersCLI(t *testing.T) {
	c := name(t, "c")
	cleanup(t, c)
	ok(t, "run", "--name", c, "busybox", "sh", "-c", "echo one > /etc/conf && dd if=/dev/zero of=/big bs=1k count=64 2>/dev/null")
	img1 := name(t, "img") + ":1"
	ok(t, "commit", c, img1)
	c2 := name(t, "c2")
	cleanup(t, c2)
	ok(t, "run", "--name", c2, img1, "sh", "-c", "echo two > /etc/conf && rm /big")
	img := name(t, "img") + ":2"
	ok(t, "commit", c2, img)
	t.Cleanup(func() { berth(t, "rmi", "-f", img, img1) })

	table := ok(t, "layers", img)
	for _, want := range []string{"LAYER", "CREATED BY", "berth bootstrap", "rm /big", "Efficiency:", "/big"} {
		if !strings.Contains(table, want) {
			t.Errorf("layers table lacks %q:\n%s", want, table)
		}
	}
	var a struct {
		Layers     []struct{ Index, Added, Modified, Removed int }
		Efficiency struct {
			WastedBytes int64 `json:"wastedBytes"`
		}
	}
	if err := json.Unmarshal([]byte(ok(t, "layers", "--json", img)), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Layers) != 3 || a.Layers[2].Removed != 1 || a.Efficiency.WastedBytes < 64<<10 {
		t.Errorf("layers --json = %+v", a)
	}
	if got := ok(t, "layers", img, "--layer", "2"); !strings.Contains(got, "D ") || !strings.Contains(got, "conf") {
		t.Errorf("--layer 2 =\n%s", got)
	}
	if got := ok(t, "layers", img, "--aggregate"); strings.Contains(got, " big") || !strings.Contains(got, "conf") {
		t.Errorf("--aggregate =\n%s", got)
	}
	if got := ok(t, "layers", img, "--range", "1..2"); !strings.Contains(got, "A ") || strings.Contains(got, " big") {
		t.Errorf("--range 1..2 =\n%s", got)
	}
	if got := ok(t, "layers", "cat", img, "1", "/etc/conf"); got != "one" {
		t.Errorf("layers cat = %q", got)
	}
	if got := ok(t, "layers", "diff", img, "/etc/conf", "--from", "1", "--to", "2"); !strings.Contains(got, "-one\n+two") {
		t.Errorf("layers diff =\n%s", got)
	}
	if got := ok(t, "layers", "history", img, "/big"); !strings.Contains(got, "layer 1  A") || !strings.Contains(got, "layer 2  D") {
		t.Errorf("layers history =\n%s", got)
	}
	dest := t.TempDir()
	ok(t, "layers", "extract", img, "2", dest)
	if data, err := os.ReadFile(filepath.Join(dest, "etc/conf")); err != nil || string(data) != "two\n" {
		t.Errorf("extract layer 2: etc/conf = %q, %v", data, err)
	}
	ok(t, "layers", "extract", "--path", "/etc/conf", img, "1", filepath.Join(dest, "conf1"))
	if data, _ := os.ReadFile(filepath.Join(dest, "conf1")); string(data) != "one\n" {
		t.Errorf("extract --path = %q", data)
	}

	// CI: 64k written then removed is wasted
	r := berth(t, "layers", "--ci", img)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL: highestUserWastedPercent") {
		t.Errorf("layers --ci: %v", r)
	}
	rules := filepath.Join(t.TempDir(), ".dive-ci")
	writeFile(t, rules, "rules:\n  lowestEfficiency: 0.1\n  highestWastedBytes: disabled\n  highestUserWastedPercent: disabled\n")
	if r := berth(t, "layers", "--ci", "--ci-config", rules, img); r.code != 0 || !strings.Contains(r.stdout, "PASS: lowestEfficiency") {
		t.Errorf("layers --ci with lenient .dive-ci: %v", r)
	}
	fails(t, 1, []string{"highestWastedBytes"}, "layers", "--ci", "--ci-config", rules, "--highest-wasted-bytes", "1KB", img)

	fails(t, 1, []string{`image "no-such-image`, "not found"}, "layers", "no-such-image")
	fails(t, 1, []string{"layer 7", "not found"}, "layers", img, "--layer", "7")
	fails(t, 1, []string{`"/nope"`, "not found"}, "layers", "cat", img, "1", "/nope")
	fails(t, 1, []string{"range"}, "layers", img, "--range", "2..x")
}

// TestSystemDf: images with shared and unique sizes, containers' writable layers.
func TestSystemDf(t *testing.T) {
	c := name(t, "c")
	cleanup(t, c)
	ok(t, "run", "--name", c, "busybox", "sh", "-c", "dd if=/dev/zero of=/f bs=1k count=10 2>/dev/null")
	img := name(t, "img") + ":1"
	ok(t, "commit", c, img)
	t.Cleanup(func() { berth(t, "rmi", "-f", img) })
	got := ok(t, "system", "df")
	for _, want := range []string{"TYPE", "Images", "Containers", "Local Volumes", "Build Cache"} {
		if !strings.Contains(got, want) {
			t.Errorf("system df lacks %q:\n%s", want, got)
		}
	}
	v := ok(t, "system", "df", "-v")
	for _, want := range []string{"SHARED SIZE", "UNIQUE SIZE", "10.2kB", c} {
		if !strings.Contains(v, want) {
			t.Errorf("system df -v lacks %q:\n%s", want, v)
		}
	}
}
