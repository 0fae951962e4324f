package inspect

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Mount is one line of /proc/<pid>/mountinfo: a mount as that process sees it.
type Mount struct {
	ID       int    `json:"id"`
	ParentID int    `json:"parentId"`
	Device   string `json:"device"` // major:minor
	Root     string `json:"root"`   // the mounted directory within its file system
	Target   string `json:"target"` // the mount point, in the process's root
	Options  string `json:"options"`
	FSType   string `json:"fsType"`
	Source   string `json:"source"`
	// SuperOptions are the file system's own: an overlay's lowerdir, upperdir, workdir.
	SuperOptions string `json:"superOptions"`
}

// Mounts reads pid's mount table.
func Mounts(pid int) ([]Mount, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return nil, err
	}
	return parseMountinfo(string(data))
}

func parseMountinfo(s string) ([]Mount, error) {
	var out []Mount
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 2 {
			return nil, fmt.Errorf("mountinfo: malformed line %q", line)
		}
		m := Mount{Device: f[2], Root: unescape(f[3]), Target: unescape(f[4]), Options: f[5],
			FSType: g[0], Source: unescape(g[1])}
		m.ID, _ = strconv.Atoi(f[0])
		m.ParentID, _ = strconv.Atoi(f[1])
		if len(g) > 2 {
			m.SuperOptions = g[2]
		}
		out = append(out, m)
	}
	return out, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// OverlayDirs splits an overlay mount's options into its lower directories
// (top first), its upper and its work directory.
func OverlayDirs(superOptions string) (lower []string, upper, work string) {
	for _, o := range strings.Split(superOptions, ",") {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "lowerdir":
			lower = append(lower, strings.Split(v, ":")...)
		case "lowerdir+":
			lower = append(lower, v)
		case "upperdir":
			upper = v
		case "workdir":
			work = v
		}
	}
	return lower, upper, work
}
