package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReapStrayZombies: a dead child named as libcontainer's intermediate
// processes (runc:[1:CHILD]) is reaped; a dead child of another name is
// left to whoever waits for it, and so is one of that name that the shim
// waits for itself (a container's init can name itself runc:[2:INIT]).
func TestReapStrayZombies(t *testing.T) {
	dir := t.TempDir()
	start := func(name string) int {
		t.Helper()
		bin := filepath.Join(dir, name)
		data, err := os.ReadFile("/bin/true")
		if err != nil {
			t.Skip("no /bin/true")
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		pid, err := syscall.ForkExec(bin, []string{name}, &syscall.ProcAttr{})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); !zombie(pid); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s (pid %d) never ended", name, pid)
			}
		}
		return pid
	}
	stray := start("runc:[1:CHILD]")
	other := start("not-runc")
	defer syscall.Wait4(other, nil, 0, nil)
	waited := start("runc:[2:INIT]")
	defer syscall.Wait4(waited, nil, 0, nil)
	reaped := reapStrayZombies(func(pid int) bool { return pid == waited })
	if !slices.Contains(reaped, stray) {
		t.Errorf("reaped %v, want the runc:[1:CHILD] zombie %d", reaped, stray)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(stray)); err == nil {
		t.Errorf("the runc:[1:CHILD] zombie %d is still there", stray)
	}
	if slices.Contains(reaped, other) || !zombie(other) {
		t.Errorf("the zombie of another name (%d) was reaped: %v", other, reaped)
	}
	if slices.Contains(reaped, waited) || !zombie(waited) {
		t.Errorf("the waited-for init named runc:[2:INIT] (%d) was reaped: %v", waited, reaped)
	}
}

func zombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}
