// Package engine is berth's one public API: the CLI and the TUI call nothing
// else. It owns the store lock, the container state machine, the shims,
// events and logs, and delegates images to package layers.
//
// # On disk (schema version in VERSION; bump SchemaVersion on any change)
//
//	<root>/                       --root, BERTH_ROOT; default /var/lib/berth
//	  VERSION                     schema version
//	  lock                        store lock (flock); held for changes to images
//	                              and to the set of containers
//	  oci/                        OCI image layout (package layers)
//	  ingest/                     partial blob writes (package layers)
//	  snapshots/<chainID>/        unpacked read-only layers (package layers)
//	  containers/<id>/
//	    config.json               what was asked at create time (record)
//	    state.json                what happened since (state), changed under ./lock
//	    lock                      the container's lock for state changes
//	    log.jsonl                 output, one JSON object per line: log, stream, time
//	    shim.log                  the shim's own stderr, for post-mortems
//	    upper/ work/              the writable layer (overlay upper and work dirs)
//	  events.jsonl                events, docker's JSON shape, one per line
//	<run root>/                   /run/berth, or /run/berth-<hash of root>
//	  runc/<id>/                  libcontainer state
//	  c/<id>/merged               the mounted root filesystem of a running container
//	  c/<id>/shim.lock            held by the shim for its life; Wait blocks on it
//	  sock/<id[:32]>              the shim's attach socket
//
// Every file is written by temp file, fsync, rename, fsync of the directory
// (package atomicfile). A new container is laid out in containers/.tmp-<id>
// and renamed into place; a removed one is renamed to .rm-<id> before its
// files go. Reconciliation at Open removes what a crash left of either.
//
// # Container lifecycle
//
//	created --Start--> running --(exit)--> exited --Start--> running
//	             running <--Pause/Unpause--> paused
//	any state not running --Remove--> gone; running --Remove(force)--> killed, gone
//
// Start runs `berth shim` (see RunShim) in a new session. The shim is the
// container's parent: it records pid, exit code, OOM kill and times in
// state.json, writes the log, serves attach, and removes --rm containers. If
// the shim dies, the next Open marks the container exited ("shim died") and
// kills what is left of it.
package engine
