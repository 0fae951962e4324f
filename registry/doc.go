// Package registry is the server behind `berth registry serve`: the OCI
// distribution API of go-containerregistry's pkg/registry, with blobs and
// manifests kept on disk so that a restarted server still has every image.
//
// On disk, under the directory given to New:
//
//	blobs/sha256/<hex>                  blob contents, verified before the rename
//	uploads/                            blobs being written (removed at New)
//	repositories/<name>/_manifests/<hex> a manifest's bytes
//	repositories/<name>/_manifests/<hex>.type  its media type
//	repositories/<name>/_tags/<tag>     "sha256:<hex>" of the manifest it names
//
// Every file is written to a temporary name, fsynced and renamed. The
// protocol itself is go-containerregistry's: this package only stores what
// it accepted (a manifest is written after the inner handler accepted it
// and before the client hears so) and, at New, replays the stored
// manifests into it. Lifecycle: New, then serve the handler (Serve does
// both and stops when its context ends).
package registry
