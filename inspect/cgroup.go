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

// MemoryPeak is the high-water mark of a container's memory cgroup in
// bytes (memory.max_usage_in_bytes on v1, memory.peak on v2 from Linux
// 5.19), or 0 when the kernel does not keep one.
func MemoryPeak(paths map[string]string) uint64 {
	for _, f := range []string{filepath.Join(paths["memory"], "memory.max_usage_in_bytes"), filepath.Join(paths[""], "memory.peak")} {
		if filepath.Dir(f) == "." {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64); err == nil {
			return n
		}
	}
	return 0
}
