// Package registry is the server behind `berth registry serve`: the CNCF
// distribution registry (github.com/distribution/distribution/v3: its
// handlers, its filesystem storage driver, its bcrypt htpasswd
// authentication) embedded, with what berth adds in front of it:
//
//   - the referrers API (GET /v2/<name>/referrers/<digest>) and the
//     OCI-Subject header, which distribution v3.1 lacks (referrers.go);
//   - answers naming sha512 blob digests as the client did (digests.go);
//   - bounded resources: a semaphore on uploads in progress (429 beyond
//     it), a read deadline moved on each read of a request body (a client
//     that stalls is cut off), server timeouts, manifests read only after
//     authorization and at most 4 MiB (front.go, server.go);
//   - anonymous pulls beside htpasswd users (auth.go), TLS with a
//     generated self-signed ECDSA P-256 certificate (tls.go);
//   - garbage collection (distribution's mark and sweep) and the removal
//     of abandoned uploads, listing without a server (store.go).
//
// Distribution validates what it stores: a manifest must be JSON of a
// known media type whose every blob and child manifest is present, or it
// is refused before the 201; names and tags follow the distribution spec;
// blobs are streamed to disk, verified, then moved into place. A write
// that failed is not served.
//
// On disk, under the directory given (0700; the process umask is 077 so
// every file is 0600 and every directory 0700):
//
//	storage/docker/registry/v2/   distribution's filesystem layout
//	                              (blobs/, repositories/<name>/_layers,
//	                              _manifests, _uploads)
//	tls/cert.pem, tls/key.pem     the self-signed certificate, when asked
//
// A directory of berth's earlier registry (go-containerregistry's handler
// with blobs/ and repositories/ at the top) is refused with a one-line
// explanation; it is not converted.
//
// Lifecycle: Serve listens, serves until its context ends, then shuts the
// server down (5 s for requests in flight) and stops distribution's
// upload purger. GarbageCollect and List open the directory without a
// server; GarbageCollect must not run while the registry serves pushes.
package registry
