package idmap

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Map is one line of a uid_map or gid_map: Size IDs from ContainerID
// inside are HostID onwards outside.
type Map struct {
	ContainerID uint32 `json:"ContainerID"`
	HostID      uint32 `json:"HostID"`
	Size        uint32 `json:"Size"`
}

// MaxLines is the kernel's limit on the lines of one uid_map (and gid_map).
const MaxLines = 340

// String is podman's spelling, CONTAINER:HOST:SIZE.
func (m Map) String() string { return fmt.Sprintf("%d:%d:%d", m.ContainerID, m.HostID, m.Size) }

// Parse reads maps in podman's syntax: CONTAINER:HOST:SIZE, several joined
// by commas. It checks each alone; Check checks them together.
func Parse(s string) ([]Map, error) {
	var out []Map
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		if len(f) != 3 {
			return nil, fmt.Errorf("map %q: want CONTAINER:HOST:SIZE", part)
		}
		var n [3]uint32
		for i, v := range f {
			u, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("map %q: %q is not an ID between 0 and %d", part, v, uint32(math.MaxUint32))
			}
			n[i] = uint32(u)
		}
		out = append(out, Map{ContainerID: n[0], HostID: n[1], Size: n[2]})
	}
	return out, nil
}

// Format joins maps in podman's syntax (Parse reads it back).
func Format(ms []Map) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ",")
}

// end is one past the last ID of [start, start+size), in 64 bits so that
// no range wraps.
func end(start, size uint32) uint64 { return uint64(start) + uint64(size) }

// Check refuses maps the kernel would refuse or that make no sense: none,
// more than MaxLines, an empty range, a range past 2^32-1 (the last ID,
// 4294967295, is (uid_t)-1 and never mapped), and two ranges that overlap
// on either side.
func Check(ms []Map) error {
	if len(ms) == 0 {
		return fmt.Errorf("no ID map")
	}
	if len(ms) > MaxLines {
		return fmt.Errorf("%d map lines, over the kernel's %d", len(ms), MaxLines)
	}
	for i, m := range ms {
		if m.Size == 0 {
			return fmt.Errorf("map %s: size 0", m)
		}
		if end(m.ContainerID, m.Size) > math.MaxUint32 || end(m.HostID, m.Size) > math.MaxUint32 {
			return fmt.Errorf("map %s: runs past ID %d", m, uint32(math.MaxUint32-1))
		}
		for _, o := range ms[:i] {
			if overlap(m.ContainerID, m.Size, o.ContainerID, o.Size) {
				return fmt.Errorf("maps %s and %s overlap inside the container", o, m)
			}
			if overlap(m.HostID, m.Size, o.HostID, o.Size) {
				return fmt.Errorf("maps %s and %s overlap on the host", o, m)
			}
		}
	}
	return nil
}

func overlap(a, an, b, bn uint32) bool {
	return uint64(a) < end(b, bn) && uint64(b) < end(a, an)
}

// ToHost is the host ID of container ID id; false when unmapped.
func ToHost(ms []Map, id uint32) (uint32, bool) {
	for _, m := range ms {
		if id >= m.ContainerID && uint64(id) < end(m.ContainerID, m.Size) {
			return m.HostID + (id - m.ContainerID), true
		}
	}
	return 0, false
}

// ToContainer is the container ID of host ID id; false when unmapped.
func ToContainer(ms []Map, id uint32) (uint32, bool) {
	for _, m := range ms {
		if id >= m.HostID && uint64(id) < end(m.HostID, m.Size) {
			return m.ContainerID + (id - m.HostID), true
		}
	}
	return 0, false
}

// Range is Size IDs from Start, as a line of /etc/subuid grants them.
type Range struct{ Start, Size uint32 }

// Within reports the first host range of ms not inside any of grants;
// ok when all are. A host range may span adjacent grants.
func Within(ms []Map, grants []Range) (Map, bool) {
	sorted := slices.Clone(grants)
	slices.SortFunc(sorted, func(a, b Range) int { return int(int64(a.Start) - int64(b.Start)) })
	for _, m := range ms {
		next, stop := uint64(m.HostID), end(m.HostID, m.Size)
		for _, g := range sorted {
			if uint64(g.Start) <= next && next < end(g.Start, g.Size) {
				next = end(g.Start, g.Size)
			}
			if next >= stop {
				break
			}
		}
		if next < stop {
			return m, false
		}
	}
	return Map{}, true
}

// Overlaps reports whether any host range of a overlaps one of b.
func Overlaps(a, b []Map) bool {
	for _, x := range a {
		for _, y := range b {
			if overlap(x.HostID, x.Size, y.HostID, y.Size) {
				return true
			}
		}
	}
	return false
}

// ReadProc reads a /proc/PID/uid_map or gid_map.
func ReadProc(path string) ([]Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Map
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 {
			continue
		}
		ms, err := Parse(strings.Join(f, ":"))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		out = append(out, ms...)
	}
	return out, nil
}
