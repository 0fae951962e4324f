package layers

import "io"

// WriteDirTar writes the directory tree dir as a tarball to w: names
// relative to dir, in lexical order, numeric owners, hard links kept,
// sockets skipped. It is how a container is exported, flattened.
func WriteDirTar(w io.Writer, dir string) error { return writeTree(w, dir) }
