package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/network"
)

// The suite must leave nothing on the host of the stores it makes: no run
// directory (/run/berth-<hash>, with its CNI state), no bridge, no
// firewall rule of their networks. Every store a test makes through
// tempStore (and the shared one) is dropped by dropStore when the test
// ends, which records what it finds left; TestMain fails the suite on it.

var (
	leaksMu sync.Mutex
	leaks   []string
)

// dropStore removes a store as a user deleting it would, and checks that
// nothing of it is left on the host: its containers are removed and their
// shims have finished (a --rm container's shim detaches its network after
// the container is gone from the list: deleting the run directory before
// that lets CNI's DEL make it again), then the run directory and the store
// go and the store's bridges are reclaimed.
func dropStore(root string) {
	nets := networkIDs(root)
	removeStore(root)
	os.RemoveAll(root)
	var found []string
	// A bridge a late process of the store still held (its last CNI DEL)
	// goes at the next reclaim: wait for that with a deadline, not for ever.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		network.ReclaimOrphans()
		found = nil
		if links, err := netlink.LinkList(); err == nil {
			for _, l := range links {
				if strings.HasPrefix(l.Attrs().Alias, network.OwnerAlias(root+"/")) {
					found = append(found, "bridge "+l.Attrs().Name)
				}
			}
		}
		if len(found) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if _, err := os.Stat(engine.RunRootFor(root)); err == nil {
		found = append(found, "run directory "+engine.RunRootFor(root))
	}
	if out, err := exec.Command("iptables-save").Output(); err == nil {
		for _, id := range nets {
			if strings.Contains(string(out), "berth-"+id[:12]) {
				found = append(found, "iptables rules of network berth-"+id[:12])
			}
		}
	}
	if len(found) > 0 {
		leaksMu.Lock()
		leaks = append(leaks, fmt.Sprintf("store %s left %s", root, strings.Join(found, ", ")))
		leaksMu.Unlock()
	}
}

// networkIDs are the IDs of a store's networks, read from their files.
func networkIDs(root string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "networks", "*.json"))
	var ids []string
	for _, f := range files {
		var n struct{ Id string }
		if data, err := os.ReadFile(f); err == nil && json.Unmarshal(data, &n) == nil && len(n.Id) >= 12 {
			ids = append(ids, n.Id)
		}
	}
	return ids
}

// waitShimsDone waits until a store lists no container, removed or being
// removed (a shim renames its --rm container to containers/.rm-<id> and
// deletes that when its clean-up is done).
func waitShimsDone(root string) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ents, err := os.ReadDir(filepath.Join(root, "containers"))
		if err != nil || !slices.ContainsFunc(ents, isContainerEntry) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// isContainerEntry says whether an entry of containers/ is a container,
// removed or being removed: not the name index (.names).
func isContainerEntry(d os.DirEntry) bool {
	return !strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), ".rm-")
}

// reportLeaks prints what dropStore found and says whether it found any.
func reportLeaks() bool {
	leaksMu.Lock()
	defer leaksMu.Unlock()
	for _, l := range leaks {
		fmt.Fprintln(os.Stderr, "leak:", l)
	}
	return len(leaks) > 0
}
