// Package layers owns berth's image store: the OCI image layout under
// <root>/oci (blobs and index.json), the ingest/ directory where partial writes
// live until they are verified, and the unpacked read-only layer snapshots
// under <root>/snapshots/<chainID> that become overlay lowerdirs.
//
// Lifecycle of an image:
//
//	Import/Load/Bootstrap  blobs are written to ingest/, verified (digest and
//	                       size), fsynced and renamed into oci/blobs/sha256/.
//	                       Only then is index.json rewritten (atomically) to
//	                       name the new manifest. layerinfo/<diffID hex>
//	                       caches each layer's uncompressed size (docker's SIZE);
//	                       layerinfo/<hex>.files (.dfiles, with content
//	                       digests) caches its file list once a view has
//	                       read it (layerindex.go).
//	Analyze, Tree, ...     views stream layer tarballs (never unpacking them)
//	                       into file lists and stack them as overlayfs does:
//	                       per-layer changes, trees, ranges, dive's
//	                       efficiency, path histories, cat/diff/extract.
//	AppendLayer            commit: a container's upper dir (WriteUpperTar,
//	                       whiteouts kept) becomes a layer on its image.
//	LowerDirs              each layer is unpacked once into snapshots/<chainID>,
//	                       whiteouts converted to overlayfs form (0/0 character
//	                       devices and trusted.overlay.opaque), via a temporary
//	                       directory renamed into place.
//	                       Every write of layer content (snapshots, layers
//	                       extract, the load spool) goes through the one
//	                       unpacker (unpack.go): entries checked by
//	                       checkEntry (entry.go: OCI whiteout names exactly,
//	                       no traversal, links, sparse members), then made
//	                       by *at calls beneath a directory descriptor opened
//	                       with openat2 RESOLVE_BENEATH|NO_SYMLINKS. Each
//	                       decompression of untrusted content is bounded by
//	                       Limits (limits.go). layers/hostiletest is the
//	                       corpus of hostile layers the tests run.
//	Remove                 drops names from index.json; blobs and snapshots no
//	                       longer reachable from any name are deleted.
//
// Callers (the engine) hold the store lock around every mutating call.
package layers
