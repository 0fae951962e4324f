// Package debug will own berth's debugging flows: the crash report of an
// exited container, commit-and-rerun with a shell, and the debug sidecar that
// joins a running container's namespaces. It builds on the engine's API.
//
// It holds no code yet; no command claims these features until it does.
package debug
