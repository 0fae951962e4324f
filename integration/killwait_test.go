package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestKillWaitsForStop: `kill` (SIGKILL) returns once the container is
// recorded stopped, as docker's does, so `kill` then `start` or `ps` sees
// it exited. With its shim frozen (SIGSTOP) the exit cannot be recorded:
// kill must still be waiting after its process is dead, and return once
// the shim goes on.
func TestKillWaitsForStop(t *testing.T) {
	t.Parallel()
	n := name(t, "c")
	cleanup(t, n)
	id := ok(t, "run", "-d", "--name", n, "busybox", "sleep", "300")
	var st struct {
		ShimPid int `json:"shimPid"`
	}
	data, _ := os.ReadFile(filepath.Join(storeRoot, "containers", id, "state.json"))
	if err := json.Unmarshal(data, &st); err != nil || st.ShimPid <= 1 {
		t.Fatalf("state.json: %v %s", err, data)
	}
	pid := atoi(inspectField(t, n, "{{.State.Pid}}"))
	if err := syscall.Kill(st.ShimPid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(st.ShimPid, syscall.SIGCONT)
	kill := exec.Command(berthBin, "--root", storeRoot, "kill", n)
	if err := kill.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- kill.Wait() }()
	eventually(t, 30*time.Second, "the container's process dead", func() bool { return !alive(pid) })
	select {
	case err := <-done:
		t.Fatalf("kill returned (%v) while the exit could not be recorded (shim stopped)", err)
	case <-time.After(2 * time.Second):
	}
	syscall.Kill(st.ShimPid, syscall.SIGCONT)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("kill: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kill did not return after the shim went on")
	}
	if got := inspectField(t, n, "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Errorf("right after kill: %q", got)
	}
}
