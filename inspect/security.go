package inspect

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Security is what confines a process: its capabilities, seccomp mode and
// the no_new_privs bit, from /proc/<pid>/status.
type Security struct {
	Effective      []string `json:"effective"` // capability names, CAP_ prefixed
	Permitted      []string `json:"permitted"`
	Bounding       []string `json:"bounding"`
	EffectiveHex   string   `json:"effectiveHex"` // CapEff as the kernel shows it
	Seccomp        string   `json:"seccomp"`      // "disabled", "strict" or "filter"
	SeccompFilters int      `json:"seccompFilters"`
	NoNewPrivs     bool     `json:"noNewPrivs"`
}

// capNames are the capabilities by bit number (linux/capability.h).
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// DecodeCaps names the bits of a capability mask as /proc shows it
// ("00000000a80425fb"); bits without a known name are "CAP_<n>".
func DecodeCaps(hex string) ([]string, error) {
	mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
	if err != nil {
		return nil, fmt.Errorf("capability mask %q: %w", hex, err)
	}
	out := []string{}
	for bit := 0; bit < 64; bit++ {
		if mask&(1<<bit) == 0 {
			continue
		}
		if bit < len(capNames) {
			out = append(out, capNames[bit])
		} else {
			out = append(out, fmt.Sprintf("CAP_%d", bit))
		}
	}
	return out, nil
}

// ReadSecurity reads pid's capabilities, seccomp mode and no_new_privs.
func ReadSecurity(pid int) (*Security, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	s := &Security{Seccomp: "disabled"}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "CapEff":
			s.EffectiveHex = v
			s.Effective, err = DecodeCaps(v)
		case "CapPrm":
			s.Permitted, err = DecodeCaps(v)
		case "CapBnd":
			s.Bounding, err = DecodeCaps(v)
		case "NoNewPrivs":
			s.NoNewPrivs = v == "1"
		case "Seccomp":
			s.Seccomp = map[string]string{"0": "disabled", "1": "strict", "2": "filter"}[v]
		case "Seccomp_filters":
			s.SeccompFilters, _ = strconv.Atoi(v)
		}
		if err != nil {
			return nil, fmt.Errorf("process %d: %w", pid, err)
		}
	}
	return s, nil
}
