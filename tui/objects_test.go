package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/engine"
)

// withDangling is world() with an untagged image no container uses.
func withDangling() *fakeEngine {
	f := world()
	f.images = append(f.images, engine.ImageSummary{ID: "sha256:" + strings.Repeat("0d", 32), Created: epoch.Add(-time.Hour), Size: 1_500_000})
	return f
}

// TestFlowImageActions: i inspects the selected image over the tab (esc
// back), D asks and refuses an image a container uses, X asks and prunes
// only the dangling one, n at the question removes nothing.
func TestFlowImageActions(t *testing.T) {
	f := withDangling()
	h := start(t, f, 120, 30)
	h.press(h.km.Images)
	h.waitFor("48.3MB", "0d0d0d0d0d0d")

	h.press(h.km.Inspect)
	h.waitCall("image inspect busybox:latest")
	h.waitFor("image busybox:latest · esc back", `"Id": "sha256:abab`, "$ berth image inspect busybox:latest")
	h.press(h.km.Remove) // the page takes no list key
	h.press(h.km.Back)
	h.waitGone("esc back")
	if containsCall(f.Calls(), "image rm busybox:latest") {
		t.Fatal("D on the inspect page reached the list")
	}

	h.press(h.km.Remove)
	h.waitFor("remove image busybox:latest? (y/n)")
	h.press(h.km.Confirm)
	h.waitCall("image rm busybox:latest")
	h.waitFor("✗ image busybox:latest is used by container", "2.17MB")

	h.press(h.km.Prune)
	h.waitFor("prune: remove every dangling image no container uses? (y/n)")
	h.tm.Send(keyMsg("n"))
	h.waitFor("✓ cancelled")
	if containsCall(f.Calls(), "image prune all=false") {
		t.Fatal("n at the question pruned")
	}
	h.press(h.km.Prune, h.km.Confirm)
	h.waitCall("image prune all=false")
	h.waitFor("✓ pruned 1 images, reclaimed 1.5MB", "$ berth image prune -f", "48.3MB")
	h.waitGone("0d0d0d0d0d0d")

	// The worker image has no container: D removes it.
	h.press(h.km.Down, h.km.Remove)
	h.waitFor("remove image registry.local:5000/team/worker:v2? (y/n)")
	h.press(h.km.Confirm)
	h.waitFor("✓ removed image registry.local:5000/team/worker:v2")
	h.waitGone("48.3MB")
}

// TestFlowVolumeNetworkInspectPrune: i and X on the Volumes and Networks
// tabs; prune keeps what a container uses.
func TestFlowVolumeNetworkInspectPrune(t *testing.T) {
	f := world()
	h := start(t, f, 120, 30)
	h.press(h.km.Volumes)
	h.waitFor("pgdata")
	h.press(h.km.Create)
	h.typeText("scratch")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("volumes/scratch/_data")
	h.press(h.km.Inspect)
	h.waitFor("volume pgdata · esc back", `"Mountpoint": "/var/lib/berth/volumes/pgdata/_data"`)
	h.press(h.km.Back)
	h.press(h.km.Prune)
	h.waitFor("prune: remove every anonymous volume no container uses? (y/n)")
	h.press(h.km.Confirm)
	h.waitCall("volume prune all=false")
	h.waitFor("✓ pruned 1 volumes", "$ berth volume prune -f")
	h.waitGone("scratch/_data")
	h.waitFor("pgdata")

	h.press(h.km.Networks)
	h.waitFor("10.88.0.0/16")
	h.press(h.km.Create)
	h.typeText("spare")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("10.89.1.0/24")
	h.press(h.km.Inspect)
	h.waitCall("network inspect bridge")
	h.waitFor("network bridge · esc back", `"Subnet": "10.88.0.0/16"`)
	h.press(h.km.Volumes) // a tab key leaves the page
	h.waitGone("esc back")
	h.press(h.km.Networks, h.km.Prune, h.km.Confirm)
	h.waitCall("network prune")
	h.waitFor("✓ pruned 1 networks", "bridge")
	h.waitGone("10.89.1.0/24")

	h.press(h.km.Inspect)
	h.waitFor("network bridge · esc back")
	h.tm.Send(tea.MouseClickMsg{X: 8, Y: 0, Button: tea.MouseLeft}) // "1 Containers"
	h.waitFor("batch-with")
	h.waitGone("esc back")
}

// TestViewsObjects renders an image's inspect page and the prune question.
func TestViewsObjects(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range []struct {
			name  string
			keys  func(h *harness)
			shows string
		}{
			{"image_inspect", func(h *harness) { h.press(h.km.Inspect) }, `"RepoTags": [`},
			{"image_prune_confirm", func(h *harness) { h.press(h.km.Prune) }, "(y/n)"},
		} {
			t.Run(fmt.Sprintf("%s_%dx%d", v.name, size[0], size[1]), func(t *testing.T) {
				h := start(t, withDangling(), size[0], size[1])
				h.waitFor("25.0%")
				h.press(h.km.Images)
				h.waitFor("0d0d0d0d0d0d")
				v.keys(h)
				h.waitFor(v.shows)
				golden.RequireEqualEscape(t, []byte(h.frame()), true)
			})
		}
	}
}
