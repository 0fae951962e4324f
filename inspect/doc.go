// Package inspect reads what the kernel knows about a running container,
// given its init's host PID or its cgroup paths: its processes (host and
// container PIDs from NSpid, users through uid_map, the process tree), its
// namespaces (inodes, the host's or its own), its mount table and overlay
// directories (mountinfo), its network interfaces, addresses and routes
// (netlink, through a socket opened in its namespace), how it is confined
// (capabilities, seccomp, no_new_privs), and its cgroup's counters on
// cgroup v1, hybrid and v2 hosts (containerd/cgroups/v3).
//
// It owns no state; every call reads afresh. Sampling over time (rates,
// ring buffers) is the engine's Sampler, built on ReadCgroupStats.
package inspect
