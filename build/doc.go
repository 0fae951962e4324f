// Package build owns what `berth build` needs outside the engine: parsing a
// Dockerfile into stages (buildkit's parser and instructions packages),
// the build context (.dockerignore with docker's semantics through
// moby/patternmatcher, content hashes of COPY sources that ignore mtime,
// layer tarballs written straight from context files with --chown and
// --chmod applied), and the on-disk step cache under <store>/buildcache.
//
// The engine's Build walks the stages, asks the cache for each step's key
// and runs RUN steps in real containers; nothing here starts a container.
package build
