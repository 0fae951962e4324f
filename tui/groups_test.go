package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/kube"
)

// TestGroupLabelsMatch keeps the labels the list groups by equal to the
// ones compose and kube play set.
func TestGroupLabelsMatch(t *testing.T) {
	if labelProject != compose.LabelProject || labelPod != kube.LabelPod || labelInfra != kube.LabelInfra {
		t.Fatalf("group labels %q %q %q, compose and kube set %q %q %q", labelProject, labelPod, labelInfra,
			compose.LabelProject, kube.LabelPod, kube.LabelInfra)
	}
}

// groupedWorld is world() with a compose project "shop" (two running, one
// exited) and a kube pod "api" (one running), all newer than the rest.
func groupedWorld() *fakeEngine {
	f := world()
	add := func(n int, nm, state string, labels map[string]string) {
		id := fmt.Sprintf("%02d%062x", n, n*104729)
		c := engine.ContainerSummary{ID: id, Names: []string{nm}, Image: "busybox:latest", Command: "top",
			Created: epoch.Add(-time.Duration(n) * time.Minute), State: state, Labels: labels}
		if state == "running" {
			c.StartedAt = epoch.Add(-time.Duration(n) * time.Minute)
		} else {
			c.FinishedAt = epoch.Add(-time.Minute)
		}
		f.containers[id] = c
	}
	shop := map[string]string{compose.LabelProject: "shop"}
	add(11, "shop-web-1", "running", shop)
	add(12, "shop-db-1", "running", shop)
	add(13, "shop-cron-1", "exited", shop)
	add(14, "api-app", "running", map[string]string{kube.LabelPod: "api"})
	return f
}

// TestViewsGroups renders the list with a compose project and a kube pod,
// unfolded and with the project folded (testdata/TestViewsGroups).
func TestViewsGroups(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, fold := range []bool{false, true} {
			t.Run(fmt.Sprintf("fold=%v_%dx%d", fold, size[0], size[1]), func(t *testing.T) {
				h := start(t, groupedWorld(), size[0], size[1])
				h.waitFor("shop-db-1", "2/3 running", "1/1 running", "25.0%")
				if fold {
					h.press(h.km.Open)
					h.waitGone("shop-db-1")
				}
				golden.RequireEqualEscape(t, []byte(h.frame()), true)
			})
		}
	}
}

// TestFlowGroupActions drives a compose project's row: the list shows its
// row above its members, enter folds it, stop stops only its running
// members, start starts its stopped ones, and remove asks the bulk
// question before removing them all, and nothing outside it.
func TestFlowGroupActions(t *testing.T) {
	f := groupedWorld()
	h := start(t, f, 120, 30)
	s := h.waitFor("shop-cron-1", "2/3 running")
	lines := strings.Split(s, "\n")
	at := func(sub string) int {
		for i, l := range lines {
			if strings.Contains(l, sub) {
				return i
			}
		}
		return -1
	}
	if g, m := at("▾ shop"), at("shop-web-1"); g < 0 || m < g || at("kube pod") > at("api-app") {
		t.Fatalf("group rows are not above their members:\n%s", s)
	}
	// The cursor starts on the newest row: the shop project's.
	h.waitFor("x stop group")
	h.press(h.km.Open)
	h.waitGone("shop-web-1")
	h.waitFor("shop", "2/3 running")

	h.press(h.km.Stop)
	h.waitCall("stop shop-web-1")
	h.waitCall("stop shop-db-1")
	h.waitFor("$ berth stop shop-db-1 shop-web-1", "0/3 running")
	if containsCall(f.Calls(), "stop shop-cron-1") || containsCall(f.Calls(), "stop api-app") {
		t.Fatalf("stop of the group reached beyond its running members: %q", f.Calls())
	}

	h.press(h.km.Start)
	h.waitCall("start shop-cron-1")
	h.waitFor("3/3 running")

	h.press(h.km.Remove)
	h.waitFor("remove shop-cron-1 shop-db-1 shop-web-1 (3 running, will be killed)? (y/n)")
	h.press(h.km.Confirm)
	for _, n := range []string{"shop-cron-1", "shop-db-1", "shop-web-1"} {
		h.waitCall("rm -f " + n)
	}
	h.waitGone("▾ shop", "▸ shop")
	h.waitFor("api-app", "kube pod")
	if containsCall(f.Calls(), "rm -f api-app") || containsCall(f.Calls(), "rm -f web") {
		t.Fatalf("remove of the group reached beyond it: %q", f.Calls())
	}
}

// TestFlowGroupMark marks a whole pod with one key on its row.
func TestFlowGroupMark(t *testing.T) {
	h := start(t, groupedWorld(), 120, 30)
	h.waitFor("api-app", "kube pod")
	h.press(h.km.Open) // fold shop, so the pod's row is next
	h.waitGone("shop-web-1")
	h.press(h.km.Down, h.km.Mark)
	h.waitFor("1 marked")
	h.press(h.km.Restart)
	h.waitCall("restart api-app")
}

// TestFlowGroupFilter: the filter matches a project's name, so typing it
// shows the project's row and its members though their names do not hold
// it, and nothing else.
func TestFlowGroupFilter(t *testing.T) {
	f := groupedWorld()
	id := fmt.Sprintf("15%062x", 15*104729)
	f.containers[id] = engine.ContainerSummary{ID: id, Names: []string{"billing-worker"}, Image: "busybox:latest", Command: "top",
		Created: epoch.Add(-15 * time.Minute), State: "exited", Labels: map[string]string{compose.LabelProject: "payments"}}
	h := start(t, f, 120, 30)
	h.waitFor("shop-cron-1", "▾ payments")
	h.press(h.km.Filter)
	h.typeText("payments")
	h.tm.Send(keyMsg("enter"))
	h.waitFor("filter: payments", "▾ payments", "billing-wo", "0/1 running")
	h.waitGone("shop-web-1", "batch-with", "api-app")
}

// TestFlowPodCountsItsContainers: a kube pod of two containers (one
// running) and its running infra container reads "1/2 running", the
// containers its YAML names, as kubectl's READY does; the infra row is
// still listed under the pod.
func TestFlowPodCountsItsContainers(t *testing.T) {
	f := world()
	add := func(n int, nm, state string, infra bool) {
		id := fmt.Sprintf("%02d%062x", n, n*104729)
		labels := map[string]string{kube.LabelPod: "shop"}
		if infra {
			labels[kube.LabelInfra] = "true"
		}
		c := engine.ContainerSummary{ID: id, Names: []string{nm}, Image: "busybox:latest", Command: "top",
			Created: epoch.Add(-time.Duration(n) * time.Minute), State: state, Labels: labels}
		if state == "running" {
			c.StartedAt = epoch.Add(-time.Duration(n) * time.Minute)
		} else {
			c.FinishedAt = epoch.Add(-time.Minute)
		}
		f.containers[id] = c
	}
	add(21, kube.InfraName("shop"), "running", true)
	add(22, "shop-app", "running", false)
	add(23, "shop-sidecar", "exited", false)
	h := start(t, f, 120, 30)
	h.waitFor("shop-infra", "shop-app", "shop-side", "1/2 running")
}
