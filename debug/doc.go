// Package debug holds what berth knows about why containers fail and how
// to look inside them: what an exit code means (137 is SIGKILL, often the
// OOM killer; 139 a segfault; 126 and 127 a command that could not run),
// the crash report and its text form, and finding a shell in a container's
// layered root file system without mounting it.
//
// It owns no state and does not call the engine: the engine fills a Report
// (engine.CrashReport) from a container's record, state, log and writable
// layer, and runs the debug flows (commit-and-rerun with a shell for an
// exited container, a sidecar sharing a running one's namespaces) with the
// shell chosen here.
package debug
