// Package inspect reads what the kernel knows about a running container:
// its processes (host and container PIDs, users, command lines) from /proc,
// and its cgroup's counters. It owns no state; every call reads afresh.
// Namespace views and resource sampling build on these readers.
package inspect
