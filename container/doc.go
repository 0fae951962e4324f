// Package container is the model of one container as berth keeps it: the
// record of what was asked at create time (config.json), the state of what
// happened since (state.json), and the one table of how a state's Status may
// change.
//
// # Statuses and their transitions
//
//	created ──start──► running ──exit──► exited ──start──► running
//	             │        │  ▲             ▲
//	             │     pause unpause       │
//	             │        ▼  │             │
//	             │       paused ──exit─────┤
//	             │                         │
//	             │   running/paused ──exit, policy says again──► restarting
//	             │   restarting ──restart──► running;  ──stopped/failed──► exited
//	             └──shim died before it ran (reconcile)──► exited
//	any status but dead ──a removal that failed half-way──► dead (terminal)
//
// The table is transitions in status.go; UpdateState refuses any change not
// in it with a *TransitionError and leaves state.json as it was. A status
// that stays the same is not a transition.
//
// # Schema types, apart from the API
//
// Record, State and the types they hold are the bytes on disk, version 2 of
// the store's layout (engine.SchemaVersion). The engine converts them to
// and from its API types (engine.HostConfig and friends) in one place, so a
// change to the API is not a change to the disk. Changing the bytes means a
// new store schema version with an upgrade step in the engine; the golden
// files in testdata/ say what version 2 looks like and the tests fail when
// the encoding drifts.
//
// # Files
//
// Each container's directory holds config.json (WriteRecord: temp file,
// fsync, rename, fsync dir), state.json (UpdateState: changed under the
// directory's lock file, replaced whole; its last change may be undone by a
// crash, never torn) and lock.
package container
