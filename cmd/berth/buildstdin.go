package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/berthdev/berth/engine"
)

// maxStdinDockerfile bounds a Dockerfile read from stdin: buildkit refuses
// Dockerfiles past a few MiB too.
const maxStdinDockerfile = 16 << 20

// stdinBuildInputs handles docker's `build -` (a Dockerfile on stdin and
// no context) and `build -f - PATH` (the Dockerfile on stdin, the context
// from PATH): stdin is written to a file of a temporary directory of its
// own, removed by the returned cleanup.
func stdinBuildInputs(o *engine.BuildOptions, stdin io.Reader) (cleanup func(), err error) {
	cleanup = func() {}
	fromStdin := o.ContextDir == "-"
	if !fromStdin && o.Dockerfile != "-" {
		return cleanup, nil
	}
	if fromStdin && o.Dockerfile == "-" {
		return cleanup, errors.New(`invalid argument: can't use stdin for both build context and dockerfile`)
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxStdinDockerfile+1))
	if err != nil {
		return cleanup, fmt.Errorf("reading the Dockerfile from stdin: %v", err)
	}
	if len(b) > maxStdinDockerfile {
		return cleanup, fmt.Errorf("the Dockerfile on stdin is larger than %d MiB", maxStdinDockerfile>>20)
	}
	if fromStdin && len(b) > 262 && bytes.HasPrefix(b[257:], []byte("ustar")) {
		return cleanup, errors.New("a build context as a tar archive on stdin is not supported: give a directory, or the Dockerfile alone on stdin")
	}
	dir, err := os.MkdirTemp("", "berth-build-stdin-")
	if err != nil {
		return cleanup, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	// The Dockerfile goes in a directory of its own: with `-f -` the
	// context stays PATH, and with `-` the directory is the (empty) context.
	df := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(df, b, 0o600); err != nil {
		cleanup()
		return func() {}, err
	}
	o.Dockerfile = df
	if fromStdin {
		ctx := filepath.Join(dir, "context")
		if err := os.Mkdir(ctx, 0o700); err != nil {
			cleanup()
			return func() {}, err
		}
		o.ContextDir = ctx
	}
	return cleanup, nil
}
