// Package engine is berth's one public API: the CLI and the TUI call nothing
// else. It owns opening the store and its lock, reconcile, the container
// verbs, the shims, events and logs. It delegates: images to package
// layers, one container's record, state and status transitions to package
// container, networks to package network, running containers' figures to
// package stats, Dockerfile builds to package build.
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
//	  held.json                   images deleted by rmi -f whose layers stopped
//	                              containers still use: manifest digest -> image ID
//	                              (layers/held.go); absent when none; new in
//	                              schema version 3
//	  idmapped/<map>/<chainID>/   a snapshot chowned for one pair of user namespace
//	                              maps, where idmapped mounts are unavailable
//	                              (usernscopy.go); gone with the last container of <map>
//	                              (the store-wide map's: with their snapshot);
//	                              .tmp-* a copy being made, flocked by its copier;
//	                              new in schema version 3, as are records' IDMappings
//	  containers/.names/<name>    symlink to the ID of the container with that
//	                              name (nameindex.go); new in schema version 2
//	  containers/<id>/
//	    config.json               what was asked at create time (container.Record)
//	    state.json                what happened since (container.State), changed under ./lock;
//	                              replaced whole, its last change not made durable
//	    lock                      the container's lock for state changes
//	    log.jsonl                 output, one JSON object per line: log, stream, time
//	    log.jsonl.N[.gz]          rotated output (--log-opt max-size/max-file; .gz for local)
//	    shim.log                  the shim's own stderr, for post-mortems
//	    upper/ work/              the writable layer (overlay upper and work dirs)
//	    init/                     the top lowerdir: mount points of the files below
//	    init.shifted/             init/ chowned for the container's maps (usernscopy.go)
//	    hosts hostname resolv.conf  bind-mounted at /etc; hosts rewritten in place
//	                              as members of its networks come and go
//	  volumes/<name>/             a volume: _data/ (mounted) and volume.json
//	                              (its -o options; flocked by volumeopts.go)
//	  networks/<name>.json        a network definition (package network)
//	  buildcache/<key>            build step cache: key -> "<step image ID> <manifest digest>"
//	                              (package build; a key from before digests reads as a miss);
//	                              .steps/<hex> the index of step images (JSON: digest, parent,
//	                              created; empty in older stores), .results/<hex> build results
//	  events.jsonl                events, docker's JSON shape, one per line, in
//	                              time order; appended under an flock of the file
//	  events.jsonl.1              the events before those: at 8 MiB events.jsonl
//	                              is renamed over it (history is the two files;
//	                              see eventLog)
//	<run root>/                   /run/berth, or /run/berth-<hash of root>
//	  runc/<id>/                  libcontainer state
//	  c/<id>/merged               the mounted root filesystem of a running container
//	  c/<id>/shim.lock            held by the shim for its life; Wait blocks on it
//	                              (and by cp and export while they mount a stopped one)
//	  c/<id>/netns                the network namespace of a container on a network
//	  c/<id>/shm                  the /dev/shm of an --ipc shareable container
//	  cni/                        CNI's cache and host-local address allocations
//	  c/<id>/seccomp.bpf          the compiled seccomp program staged for berth init
//	                              (internal/seccompcache), read-only, never read back
//	  seccomp/<profile hash>      compiled seccomp programs kept between starts, each
//	                              with a digest; written only from berth's compile helper
//	  live/<id>                   containers whose shim is recorded: what reconcile
//	                              reads between reboots (reconcile.go)
//	  booted                      made at the first Open after boot (restart policies)
//	  root                        the store's path: Open removes the run directories
//	                              of deleted stores (runsweep.go)
//	  sock/<id[:32]>              the shim's attach socket
//
// Every file is written by temp file, fsync, rename, fsync of the directory
// (package atomicfile); state.json skips the last fsync: a crash may undo
// its last change, never tear it, and reconcile corrects what it says. A new container is laid out in containers/.tmp-<id>
// and renamed into place; a removed one is renamed to .rm-<id> before its
// files go. Reconciliation at Open removes what a crash left of either.
//
// # Container lifecycle
//
//	created --Start--> running --(exit)--> exited --Start--> running
//	             running <--Pause/Unpause--> paused
//	any state not running --Remove--> gone; running --Remove(force)--> killed, gone
//
// The statuses and the one table of legal changes are package container's
// (container.Status); every write of a state goes through updateState,
// which refuses an illegal change with a *container.TransitionError. The
// shim retries a failed write (shim.record) and logs it to shim.log; one
// it cannot make leaves the container in live/ for reconcile.
//
// Building a container's OCI spec (spec.go, ociSpec) only translates the
// record and reads files; what a start changes on the host (the overlay,
// a shareable /dev/shm, copying the image into empty volumes, networks)
// is done by the shim's start path (shim.start).
//
// Start runs `berth shim` (see RunShim) in a new session, or hands the
// container to the shim Open started ahead with Options.PrepareStart
// (prespawn.go). The shim is the
// container's parent: it records pid, exit code, OOM kill and times in
// state.json, writes the log, serves attach, carries out the restart policy
// (restarting between runs, docker's back-off), attaches and detaches the
// container's networks, and removes --rm containers. If the shim dies, the
// next Open marks the container exited ("shim died"), kills what is left of
// it, detaches its networks, and starts it again when its policy says so.
//
// # Rootless
//
// A user without root runs the same engine inside a user namespace of
// their own, as podman does (rootless.go, rootlessenter.go,
// internal/rootlessns):
//
//	$XDG_DATA_HOME/berth (else ~/.local/share/berth)  the store; --root, BERTH_ROOT win
//	$XDG_RUNTIME_DIR/berth/ (else /tmp/berth-<uid>/)   the user's run base:
//	  pause.pid, pause.lock       the pause process: "PID STARTTIME"
//	  berth-<hash of root>/       each store's run directory (as /run/berth-<hash>)
//
// The first command (cli.engine calls EnterRootless) checks the store and
// run directories with the user's real credentials (the user's own, their
// ancestors the user's or real root's: storedir.go), then starts `berth
// rootless-pause` in a new user and mount namespace; newuidmap and
// newgidmap map uid and gid 0 to the user and 1..N to the user's first
// /etc/subuid and /etc/subgid range. The mapping gives the user nothing
// they do not already own: real root, and every other user, read as the
// overflow uid inside, so a root-owned 0644 file stays read-only to a
// container's root. Every command, the first included, then re-executes
// itself with descriptors of the pause process's user and mount
// namespaces, which a C constructor joins before the Go runtime starts
// (setns into a user namespace needs a single thread). Inside, berth is
// uid 0 and the engine runs unchanged: layers unpack with their owners
// (chown within the range), overlays are mounted by the shims in the
// shared mount namespace (unprivileged overlay, kernel >= 5.11), so later
// commands see each running container's merged/ as root's berth does.
// The pause process holds the namespaces between commands; if it is
// killed, running containers keep theirs but a new command makes a new
// pair and no longer sees their mounts (podman's behaviour too).
//
// Containers do not get a user namespace of their own (they share the
// user's); libcontainer runs with rootless cgroups: no cgroup is made
// under cgroup v1, and limit flags are refused at create unless the
// caller's cgroup v2 has the controller delegated (checkRootlessLimits).
// sysfs can be mounted only in a network namespace the user owns: with
// --network host the host's /sys is bound read-only. The store's cgroup
// sweeps do nothing (host.cgroups is empty); top and stats read the
// container's PID namespace from /proc. The default network is pasta's
// (rootlessnet.go): a network namespace per container at c/<id>/netns,
// pasta's pid in c/<id>/pasta.pid, published ports bound by pasta as the
// user; user-defined networks need root and are refused.
package engine
