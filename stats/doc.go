// Package stats reads the figures of running containers: one reading of a
// container's cgroup and network counters (Read), CPU rates between two
// readings (Rate), a Sampler that keeps a ring of recent readings for the
// containers someone watches (`berth stats`, the TUI's graphs), and a
// Prometheus handler with cAdvisor's metric names (`berth stats --serve`).
//
// It knows nothing of the store: the engine finds a running container's
// Target (its init pid and cgroup paths, from libcontainer's state) and
// passes a Locate function; every reading is then a few cgroup files.
package stats
