package inspect

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Proc is one process as /proc shows it.
type Proc struct {
	PID, PPID int
	NSPid     int // innermost PID namespace's view; the container PID
	UID       int
	State     string
	Start     time.Time
	CPUTime   time.Duration
	TTY       string
	Cmd       string
}

var clockTicks = int64(100) // USER_HZ on every Linux architecture berth runs on

// StartTime is a process's start time in clock ticks since boot (field 22 of
// /proc/<pid>/stat): with the PID it names a process uniquely. 0 if gone.
func StartTime(pid int) uint64 {
	f, err := statFields(pid)
	if err != nil || len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

// Alive reports whether pid is the same process that started at start and
// has not exited: a zombie (exited, not yet reaped by its parent) is dead.
func Alive(pid int, start uint64) bool {
	if pid <= 0 || start == 0 {
		return false
	}
	f, err := statFields(pid)
	if err != nil || len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return false
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v == start
}

// statFields returns the fields of /proc/<pid>/stat after the command name,
// so index 0 is the state (field 3).
func statFields(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	return strings.Fields(s[i+1:]), nil
}

// ReadProc reads one process. A process that exited meanwhile is an error.
func ReadProc(pid int) (Proc, error) {
	f, err := statFields(pid)
	if err != nil {
		return Proc{}, err
	}
	if len(f) < 20 {
		return Proc{}, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	p := Proc{PID: pid, State: f[0]}
	p.PPID, _ = strconv.Atoi(f[1])
	ttyNr, _ := strconv.Atoi(f[4])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	p.CPUTime = time.Duration((utime + stime) * int64(time.Second) / clockTicks)
	startTicks, _ := strconv.ParseInt(f[19], 10, 64)
	p.Start = bootTime().Add(time.Duration(startTicks * int64(time.Second) / clockTicks))
	p.TTY = ttyName(ttyNr)
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		switch k {
		case "NSpid":
			p.NSPid, _ = strconv.Atoi(fields[len(fields)-1])
		case "Uid":
			p.UID, _ = strconv.Atoi(fields[1]) // effective
		}
	}
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	p.Cmd = strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
	if p.Cmd == "" {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		p.Cmd = "[" + strings.TrimSpace(string(comm)) + "]"
	}
	return p, nil
}

// ttyName names a controlling terminal from its device number, as ps does
// for pseudo-terminals (pts/N); "?" for none.
func ttyName(nr int) string {
	if nr == 0 {
		return "?"
	}
	major, minor := (nr>>8)&0xfff, (nr&0xff)|((nr>>12)&0xfff00)
	if major >= 136 && major <= 143 {
		return fmt.Sprintf("pts/%d", (major-136)*256+minor)
	}
	return fmt.Sprintf("%d:%d", major, minor)
}

func bootTime() time.Time {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}
