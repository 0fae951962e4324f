package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stepParents reads the build cache's index of step images in store:
// image ID -> the ID of the step before it.
func stepParents(t *testing.T, store string) map[string]string {
	t.Helper()
	dir := filepath.Join(store, "buildcache", ".steps")
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		var rec struct{ ID, Parent string }
		data, _ := os.ReadFile(filepath.Join(dir, d.Name()))
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("step record %s: %v (%q)", d.Name(), err, data)
		}
		out[rec.ID] = rec.Parent
	}
	return out
}

func imageExists(t *testing.T, store, id string) bool {
	return at(t, store, "", "", "image", "inspect", "-f", "{{.Id}}", id).code == 0
}

// prunedIDs are the IDs `builder prune` listed under docker's heading,
// sorted.
func prunedIDs(t *testing.T, out string) []string {
	t.Helper()
	if !strings.Contains(out, "Total reclaimed space:") {
		t.Fatalf("prune output without its total: %q", out)
	}
	_, list, found := strings.Cut(out, "Deleted build cache objects:\n")
	if !found {
		return nil
	}
	list, _, _ = strings.Cut(list, "\n\n")
	ids := strings.Fields(list)
	sort.Strings(ids)
	return ids
}

func hexes(ids ...string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, strings.TrimPrefix(id, "sha256:"))
	}
	sort.Strings(out)
	return out
}

// builder prune removes exactly the unreferenced step images, from the
// index: without -a the steps of dangling builds, keeping what a tag or a
// container needs and their ancestors; with -a every step no tag or
// container needs itself. image prune then takes the rest.
func TestBuilderPrune(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM busybox\nCOPY f /f\nRUN cat /f > /g\nCMD [\"cat\", \"/g\"]\n"})
	type chain struct{ copy, run, cmd string }
	var chains []chain
	for i := 1; i <= 3; i++ {
		writeFiles(t, dir, map[string]string{"f": fmt.Sprint(i)})
		id := okAt(t, store, "build", "-q", "--network", "none", "-t", "app", dir)
		p := stepParents(t, store)
		chains = append(chains, chain{copy: p[p[id]], run: p[id], cmd: id})
	}
	for i, c := range chains {
		if c.copy == "" || c.run == "" {
			t.Fatalf("build %d: steps not in the index: %+v", i+1, c)
		}
	}
	// A container on build 1's RUN step image.
	ctr := okAt(t, store, "run", "-d", "--network", "none", chains[0].run, "sleep", "600")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", ctr) })

	got := prunedIDs(t, okAt(t, store, "builder", "prune", "-f"))
	if want := hexes(chains[1].copy, chains[1].run); !slices.Equal(got, want) {
		t.Errorf("builder prune deleted %v, want build 2's COPY and RUN steps %v", got, want)
	}
	for _, id := range []string{chains[0].copy, chains[0].run, chains[0].cmd, chains[1].cmd, chains[2].copy, chains[2].run} {
		if !imageExists(t, store, id) {
			t.Errorf("builder prune removed %s, which a tag, a container or a build result needs", id)
		}
	}
	if r := at(t, store, "", "", "build", "--progress", "plain", "--network", "none", "-t", "app", dir); r.code != 0 || strings.Count(r.stderr, "CACHED") != 3 {
		t.Errorf("rebuild of the tagged build after prune: not all cached: %v", r)
	}

	got = prunedIDs(t, okAt(t, store, "builder", "prune", "-af"))
	if want := hexes(chains[0].copy, chains[2].copy, chains[2].run); !slices.Equal(got, want) {
		t.Errorf("builder prune -a deleted %v, want %v", got, want)
	}
	if !imageExists(t, store, chains[0].run) {
		t.Error("builder prune -a removed the image a container runs")
	}
	if out := okAt(t, store, "run", "--rm", "--network", "none", "app"); out != "3" {
		t.Errorf("the tagged image after prune -a prints %q, want 3", out)
	}
	if got := prunedIDs(t, okAt(t, store, "builder", "prune", "-af")); len(got) != 0 {
		t.Errorf("a second prune -a deleted %v", got)
	}

	// Without its container, build 1's RUN step is dangling cache: image
	// prune takes it with the old untagged results.
	okAt(t, store, "rm", "-f", ctr)
	out := okAt(t, store, "image", "prune", "-f")
	for _, id := range []string{chains[0].run, chains[0].cmd, chains[1].cmd} {
		if imageExists(t, store, id) {
			t.Errorf("image prune kept %s:\n%s", id, out)
		}
	}
	if !imageExists(t, store, chains[2].cmd) {
		t.Error("image prune removed the tagged image")
	}
	for id := range stepParents(t, store) {
		if !imageExists(t, store, id) {
			t.Errorf("the index names %s, which is gone", id)
		}
	}
}

// --filter until= keeps the cache made since.
func TestBuilderPruneUntil(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM busybox\nRUN echo x > /x\nCMD [\"x\"]\n"})
	okAt(t, store, "build", "-q", "--network", "none", dir)
	if got := prunedIDs(t, okAt(t, store, "builder", "prune", "-af", "--filter", "until=1h")); len(got) != 0 {
		t.Errorf("until=1h deleted %v, made a moment ago", got)
	}
	if got := prunedIDs(t, okAt(t, store, "builder", "prune", "-af", "--filter", "until="+time.Now().Add(time.Minute).Format(time.RFC3339))); len(got) != 1 {
		t.Errorf("until=<a minute from now> deleted %v, want the RUN step", got)
	}
	r := at(t, store, "", "", "builder", "prune", "-f", "--filter", "label=x")
	if r.code == 0 || !strings.Contains(r.stderr, `invalid filter "label=x"`) {
		t.Errorf("an unsupported filter: %v", r)
	}
}

// A build killed with SIGKILL mid-step leaves the index whole: records
// name images that exist, a record whose image was removed behind its
// back is dropped by the next prune, and the next build works.
func TestBuildIndexSurvivesKill(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"f": "1", "Dockerfile": "FROM busybox\nCOPY f /f\nRUN sleep 8\n"})
	cmd := exec.Command(berthBin, "--root", store, "build", "-q", "--network", "none", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the RUN step's container", func() bool {
		return okAt(t, store, "ps", "-aq", "--filter", "label=berth.build=intermediate") != ""
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// The step's container outlives its build; once it has exited it goes
	// (the next build's sweep would remove it too).
	left := strings.Fields(okAt(t, store, "ps", "-aq", "--filter", "label=berth.build=intermediate"))
	if len(left) != 1 {
		t.Fatalf("step containers after the kill: %v, want one", left)
	}
	// Killed before its start, its shim ends with the build (it was
	// waiting for the build to attach); after, the step exits on its own.
	eventually(t, time.Minute, "the orphaned step container to be removable", func() bool {
		return at(t, store, "", "", append([]string{"rm"}, left...)...).code == 0
	})
	p := stepParents(t, store)
	if len(p) != 1 {
		t.Fatalf("index after kill = %v, want the COPY step", p)
	}
	for id := range p {
		if !imageExists(t, store, id) {
			t.Fatalf("index names %s, which does not exist", id)
		}
		// Removed behind the index's back (a crash between the two
		// removals of a prune does the same).
		okAt(t, store, "rmi", id)
	}
	if got := prunedIDs(t, okAt(t, store, "builder", "prune", "-af")); len(got) != 0 {
		t.Errorf("prune deleted %v, want nothing (only a stale record)", got)
	}
	if p := stepParents(t, store); len(p) != 0 {
		t.Errorf("stale records kept: %v", p)
	}
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM busybox\nCOPY f /f\nRUN true\n"})
	okAt(t, store, "build", "-q", "--network", "none", dir)
	if p := stepParents(t, store); len(p) != 2 {
		t.Errorf("index after a new build = %v, want two steps", p)
	}
}
