package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
)

// TestConcurrentVerbs races start, stop, kill, restart and rm -f on one
// container from many processes. Any verb may lose a race and say so; none
// may panic, lose the record, or leave a state that contradicts the
// processes: running means its process lives, exited means it does not.
func TestConcurrentVerbs(t *testing.T) {
	t.Parallel()
	for round := 0; round < 3; round++ {
		n := name(t, fmt.Sprint(round))
		cleanup(t, n)
		id := ok(t, "run", "-d", "--name", n, "busybox", "sleep", "300")
		verbs := [][]string{
			{"start", n}, {"stop", "-t", "1", n}, {"kill", n}, {"start", n},
			{"restart", "-t", "1", n}, {"kill", "-s", "USR1", n}, {"stop", "-t", "0", n}, {"start", n},
		}
		if round == 2 {
			verbs = append(verbs, []string{"rm", "-f", n})
		}
		var wg sync.WaitGroup
		results := make([]result, len(verbs))
		for i, v := range verbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = berth(t, v...)
			}()
		}
		wg.Wait()
		for i, r := range results {
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
				t.Fatalf("berth %s panicked: %v", strings.Join(verbs[i], " "), r)
			}
			if r.code != 0 && strings.Contains(r.stderr, "cannot change status") {
				t.Errorf("berth %s hit an illegal transition: %v", strings.Join(verbs[i], " "), r)
			}
		}
		if round == 2 {
			// Gone whole: no record, no run directory, no mounts.
			left := func() []string {
				var l []string
				for _, p := range []string{filepath.Join(storeRoot, "containers", id), filepath.Join(engine.RunRootFor(storeRoot), "c", id)} {
					if ents, err := os.ReadDir(p); !os.IsNotExist(err) {
						var names []string
						for _, e := range ents {
							names = append(names, e.Name())
						}
						l = append(l, fmt.Sprintf("%s %v", p, names))
					}
				}
				return l
			}
			for deadline := time.Now().Add(30 * time.Second); len(left()) > 0; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("after 30s the removed container's files are still there: %v", left())
				}
			}
			if r := berth(t, "inspect", id); r.code == 0 {
				t.Errorf("inspect after rm -f: %v", r)
			}
			continue
		}
		checkConsistent(t, n)
	}
}

// checkConsistent waits for the container to settle (no shim busy ending
// a run) and checks that its recorded status matches its processes.
func checkConsistent(t *testing.T, n string) {
	t.Helper()
	var status string
	eventually(t, 30*time.Second, "the container to settle", func() bool {
		status = inspectField(t, n, "{{.State.Status}}")
		return status == "running" || status == "exited"
	})
	pid := atoi(inspectField(t, n, "{{.State.Pid}}"))
	switch status {
	case "running":
		if pid == 0 || !alive(pid) {
			t.Errorf("%s is recorded running with pid %d, which is not alive", n, pid)
		}
		ok(t, "stop", "-t", "0", n)
		if got := inspectField(t, n, "{{.State.Status}}"); got != "exited" {
			t.Errorf("after stop: %s", got)
		}
	case "exited":
		if pid != 0 {
			t.Errorf("%s is recorded exited with pid %d", n, pid)
		}
	}
	// It still works.
	ok(t, "start", n)
	if got := inspectField(t, n, "{{.State.Status}}"); got != "running" {
		t.Errorf("start after the race: %s", got)
	}
}
