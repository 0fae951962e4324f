package inspect

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// OOMKills is how many processes the kernel's OOM killer has killed in a
// container's memory cgroup. paths is libcontainer's map of controller to
// cgroup directory: "memory" on cgroup v1, "" (the unified one) on v2.
func OOMKills(paths map[string]string) int {
	if p, ok := paths["memory"]; ok && p != "" {
		if n, ok := keyedValue(filepath.Join(p, "memory.oom_control"), "oom_kill"); ok {
			return n
		}
	}
	if p, ok := paths[""]; ok && p != "" {
		if n, ok := keyedValue(filepath.Join(p, "memory.events"), "oom_kill"); ok {
			return n
		}
	}
	return 0
}

// keyedValue reads "key value" lines, as cgroup files like memory.events hold.
func keyedValue(path, key string) (int, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == key {
			n, err := strconv.Atoi(f[1])
			return n, err == nil
		}
	}
	return 0, false
}
