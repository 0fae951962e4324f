// Package rootlessns joins a non-root user's berth user namespace (and the
// mount namespace it owns) before the Go runtime starts.
//
// setns(2) into a user namespace is refused to a multithreaded process,
// and a Go program has several threads before main runs. So, as
// libcontainer's nsenter and podman's pkg/rootless do, a C constructor
// does it: when the environment holds JoinEnv ("USERFD,MNTFD", two open
// namespace descriptors the parent left without O_CLOEXEC), it joins the
// user namespace and then the mount namespace, closes both descriptors and
// becomes uid and gid 0 there. (The Go runtime reads the environment the
// kernel passed, not libc's: the constructor cannot remove the variable
// for Go, so this package's init does, before a child could inherit it.) A
// failure is one line on stderr and exit status 125: nothing else runs
// outside the namespace it meant to be in.
//
// Package engine (rootless.go) opens the descriptors and re-executes
// berth; importing this package links the constructor.
package rootlessns

import "os"

// JoinEnv names the namespace descriptors the constructor joins.
const JoinEnv = "_BERTH_ROOTLESS_JOIN"

func init() {
	if _, ok := os.LookupEnv(JoinEnv); ok {
		os.Unsetenv(JoinEnv)
	}
}
