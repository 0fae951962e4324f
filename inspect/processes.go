package inspect

import "sort"

// Forest arranges processes by parent: roots are those whose parent is not
// among procs (a container's init, or an exec'd process whose parent is
// outside), kids lists each PID's children. Both are ordered by PID.
func Forest(procs []Proc) (roots []Proc, kids map[int][]Proc) {
	in := make(map[int]bool, len(procs))
	for _, p := range procs {
		in[p.PID] = true
	}
	kids = map[int][]Proc{}
	for _, p := range procs {
		if in[p.PPID] && p.PPID != p.PID {
			kids[p.PPID] = append(kids[p.PPID], p)
		} else {
			roots = append(roots, p)
		}
	}
	byPID := func(s []Proc) { sort.Slice(s, func(i, j int) bool { return s[i].PID < s[j].PID }) }
	byPID(roots)
	for _, k := range kids {
		byPID(k)
	}
	return roots, kids
}
