package inspect

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// NamespaceTypes are the namespaces a process has, as /proc/<pid>/ns names
// them, in the order berth shows them.
var NamespaceTypes = []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts"}

// Namespace is one namespace of a process.
type Namespace struct {
	Type  string `json:"type"`  // "net", "pid", ...
	Inode uint64 `json:"inode"` // the namespace's identity: equal inodes, same namespace
	// Host is set when the namespace is the host's own (see
	// HostNamespaceInode), not one made for a container.
	Host bool `json:"host"`
}

// HostNamespaceInode is the inode of the host's namespace of a type: PID
// 1's, or where that is not readable (no CAP_SYS_PTRACE over it), berth's
// own, whose main thread never leaves the host's namespaces.
func HostNamespaceInode(typ string) (uint64, error) {
	if ino, err := NamespaceInode(1, typ); err == nil {
		return ino, nil
	}
	return NamespaceInode(os.Getpid(), typ)
}

// NamespaceInode is the inode of one namespace of pid, from the
// /proc/<pid>/ns/<typ> link ("net:[4026531840]").
func NamespaceInode(pid int, typ string) (uint64, error) {
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, typ))
	if err != nil {
		return 0, err
	}
	return parseNSLink(link)
}

func parseNSLink(link string) (uint64, error) {
	i, j := strings.IndexByte(link, '['), strings.LastIndexByte(link, ']')
	if i < 0 || j < i {
		return 0, fmt.Errorf("namespace link %q: malformed", link)
	}
	return strconv.ParseUint(link[i+1:j], 10, 64)
}

// Namespaces reads every namespace of pid and marks those it shares with
// the host. Namespaces the kernel does not have (time before 5.6) are left out.
func Namespaces(pid int) ([]Namespace, error) {
	var out []Namespace
	for _, typ := range NamespaceTypes {
		ino, err := NamespaceInode(pid, typ)
		if os.IsNotExist(err) && typ != "net" && typ != "mnt" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("process %d: namespace %s: %w", pid, typ, err)
		}
		host, herr := HostNamespaceInode(typ)
		out = append(out, Namespace{Type: typ, Inode: ino, Host: herr == nil && host == ino})
	}
	return out, nil
}

// IDMapping is one line of /proc/<pid>/uid_map or gid_map: IDs
// [Inside, Inside+Count) in the process's user namespace are
// [Outside, Outside+Count) in the reader's.
type IDMapping struct {
	Inside, Outside, Count int64
}

// UIDMap reads the user-ID mapping of pid's user namespace.
func UIDMap(pid int) ([]IDMapping, error) { return readIDMap(fmt.Sprintf("/proc/%d/uid_map", pid)) }

// GIDMap reads the group-ID mapping of pid's user namespace.
func GIDMap(pid int) ([]IDMapping, error) { return readIDMap(fmt.Sprintf("/proc/%d/gid_map", pid)) }

func readIDMap(path string) ([]IDMapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []IDMapping
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		var m IDMapping
		var e1, e2, e3 error
		m.Inside, e1 = strconv.ParseInt(f[0], 10, 64)
		m.Outside, e2 = strconv.ParseInt(f[1], 10, 64)
		m.Count, e3 = strconv.ParseInt(f[2], 10, 64)
		if e1 == nil && e2 == nil && e3 == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// Overflow is the ID the kernel shows for an ID with no mapping (nobody).
const Overflow = 65534

// ToInside maps a host ID into the namespace described by m; an ID without
// a mapping is Overflow, as the kernel shows it.
func ToInside(m []IDMapping, host int) int {
	for _, r := range m {
		if int64(host) >= r.Outside && int64(host) < r.Outside+r.Count {
			return int(r.Inside + int64(host) - r.Outside)
		}
	}
	return Overflow
}
