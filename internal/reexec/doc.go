// Package reexec runs the processes berth re-executes itself as before the
// rest of the binary initialises: `berth init` (libcontainer's container
// init, after nsenter's C constructor) and `berth seccomp-compile`.
//
// Go initialises a binary's packages one at a time, in import-path order
// among those whose imports are done, and main's init runs last. A
// container init that waited for main's init paid for every package berth
// links (cobra, the TUI, compose, kube, the registry, grpc, prometheus):
// GODEBUG=inittrace=1 showed ~14 ms of package inits per `berth version`,
// a quarter of them after libcontainer's. This package imports little
// besides libcontainer, so its init runs as soon as libcontainer's has, and
// for those two commands never returns. cmd/berth imports it blank.
//
// The shim is dispatched early too, but in main (cmd/berth/main.go): it
// needs the engine, so it pays for the inits, but not for cobra's command
// tree.
package reexec
