package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatalf("WriteFile(%s) = %v", path, err)
	}
}

// alive reports whether pid runs (a zombie, awaiting its reaper, does not).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// pidOf parses the pid a test is about to signal, failing the test unless
// it names one process: kill(0) signals the test's process group, kill(-1)
// every process, kill(1) init.
func pidOf(t *testing.T, s string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || pid <= 1 {
		t.Fatalf("not the pid of a process: %q", s)
	}
	return pid
}

// shimPidOf is the shim pid recorded in a container's state.json.
func shimPidOf(t *testing.T, root, id string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "containers", id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		ShimPid json.Number `json:"shimPid"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state.json of %s: %v", id, err)
	}
	return pidOf(t, st.ShimPid.String())
}
