// Package startgc keeps Go's garbage collector off while a berth process
// starts, and turns it back on after a short window.
//
// A container start runs three berth processes (the CLI, the shim and the
// container init), each a few milliseconds of Go start-up. The package
// inits alone leave ~3 MB of heap, just under the collector's first goal
// (4 MB), so the CLI and the shim each ran one collection while starting
// (GODEBUG=gctrace=1: "gc 1 @0.007s ... 3->4->1 MB"): its mark workers
// start threads and walk a heap that is all still live. Off for the first
// half second, with a memory limit as the backstop (the collector runs
// anyway when the heap nears it), that work is not done at all; after
// the window the settings the process started with (GOGC, GOMEMLIMIT)
// are back, so a long-lived shim or the workbench collects as before.
//
// The package imports only runtime/debug and time: Go initialises it
// among the first packages, before the ones whose allocations fill the
// heap.
package startgc

import (
	"runtime/debug"
	"time"
)

const (
	// window is how long the collector stays off: a start's CLI and shim
	// are past their start-up well within it.
	window = 500 * time.Millisecond
	// limit bounds the heap while it is off.
	limit = 64 << 20
)

func init() {
	percent := debug.SetGCPercent(-1)
	if percent < 0 {
		return // GOGC=off: the user's choice, left alone
	}
	memLimit := debug.SetMemoryLimit(-1)
	if memLimit > limit {
		debug.SetMemoryLimit(limit)
	}
	time.AfterFunc(window, func() {
		debug.SetMemoryLimit(memLimit)
		debug.SetGCPercent(percent)
	})
}
