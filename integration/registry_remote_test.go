package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
)

// TestImagesRemote: `berth images` keeps docker's columns; with --remote
// (or {{.Origin}} and {{.Newer}} in --format) it shows which registry each
// image came from and whether the registry's copy is newer, and the engine
// answers the same for one image (the TUI's call). A registry that is down
// is "unreachable" in bounded time.
func TestImagesRemote(t *testing.T) {
	reg, stop := berthRegistry(t, t.TempDir())
	me, other := tempStore(t), tempStore(t)
	okAt(t, me, "bootstrap")
	ref := reg + "/remote/bb:v1"
	okAt(t, me, "tag", "busybox", ref)
	if out := okAt(t, me, "images"); strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " ") != "REPOSITORY TAG IMAGE ID CREATED SIZE" {
		t.Errorf("images header is not docker's: %q", out)
	}
	format := "{{.Repository}}:{{.Tag}} origin={{.Origin}} newer={{.Newer}}"
	if out := okAt(t, me, "images", "--remote", "--format", format, ref); out != ref+" origin= newer=" {
		t.Errorf("images --remote before a push: %q", out)
	}
	okAt(t, me, "push", ref)
	if out := okAt(t, me, "images", "--remote", "--format", format, ref); out != ref+" origin="+ref+" newer=false" {
		t.Errorf("images --remote after the push: %q", out)
	}
	if out := okAt(t, me, "images", "--remote", ref); !strings.Contains(out, "SOURCE") || !strings.Contains(out, "up to date") {
		t.Errorf("images --remote table: %q", out)
	}
	// Someone pushes another image under that name: mine is behind.
	okAt(t, other, "bootstrap")
	okAt(t, other, "run", "--name", "remote-change", "busybox", "touch", "/new")
	t.Cleanup(func() { at(t, other, "", "", "rm", "-f", "remote-change") })
	okAt(t, other, "commit", "remote-change", ref)
	okAt(t, other, "push", ref)
	if out := okAt(t, me, "images", "--remote", "--format", format, ref); out != ref+" origin="+ref+" newer=true" {
		t.Errorf("images --remote after another push: %q", out)
	}
	e, err := engine.Open(engine.Options{Root: me, Binary: berthBin})
	if err != nil {
		t.Fatal(err)
	}
	if src, status, err := e.CheckRemote(context.Background(), ref, engine.RegistryOptions{}); err != nil || src != ref || status != engine.RegistryNewer {
		t.Errorf("CheckRemote(%s) = %q, %q, %v; want %q, %q", ref, src, status, err, ref, engine.RegistryNewer)
	}
	if _, _, err := e.CheckRemote(context.Background(), "no-such-image:v9", engine.RegistryOptions{}); err == nil || !strings.Contains(err.Error(), "no-such-image") {
		t.Errorf("CheckRemote(no-such-image:v9) = %v, want an error naming it", err)
	}
	stop()
	start := time.Now()
	if _, status, err := e.CheckRemote(context.Background(), ref, engine.RegistryOptions{}); err != nil || status != engine.RegistryUnreachable {
		t.Errorf("CheckRemote with the registry down = %q, %v; want %q", status, err, engine.RegistryUnreachable)
	}
	if d := time.Since(start); d > 2*engine.RegistryCheckTimeout {
		t.Errorf("CheckRemote with the registry down took %s", d)
	}
}
