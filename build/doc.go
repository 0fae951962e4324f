// Package build owns `berth build`: the Dockerfile interpreter and what it
// needs. It parses a Dockerfile into stages (buildkit's parser and
// instructions packages, parse.go), orders the stages a target needs
// (run.go), applies each instruction to the stage's image config
// (instr.go), runs RUN steps in containers (step.go), makes COPY and ADD
// layers from the build context or another stage's root filesystem
// (copy.go, context.go: .dockerignore with docker's semantics through
// moby/patternmatcher, content hashes that ignore mtime, tarballs with
// --chown and --chmod applied; every source resolved inside its root by
// openat2 RESOLVE_IN_ROOT, root.go), and keeps the step cache and the
// index of step images under <store>/buildcache (cache.go).
//
// The interpreter reaches the store only through Engine (engine.go), a
// small interface the engine implements: images by name, ID or manifest
// digest, pull, commit a step, tag, and create/start/remove a step's
// container and read its writable layer. engine.Build calls Run; tests
// run the interpreter against a fake Engine.
//
// A build: for each stage, FROM resolves (or pulls) its base; each
// instruction's cache key chains its parent's key, its text, the build
// args it sees and its sources' checksum. A hit loads the cached image by
// manifest digest; the first miss runs that step and every later one,
// each committed as an untagged step image recorded in the index. The
// final image is recorded as a build result and tagged.
package build
