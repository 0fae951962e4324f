package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/sys/user"

	"github.com/berthdev/berth/build"
)

// addLayer is ADD: local sources as COPY takes them, with tar archives
// unpacked; URL sources downloaded (refused under --network none) and
// copied as files, their content part of the cache key.
func (b *builder) addLayer(ctx context.Context, s *stageState, c *instructions.AddCommand) (func() (io.Reader, func(), error), string, error) {
	sd := c.SourcesAndDest
	var local []string
	var remote []build.File
	for _, src := range sd.SourcePaths {
		if !build.IsURL(src) {
			local = append(local, src)
			continue
		}
		if b.o.Network == "none" {
			return nil, "", fmt.Errorf("ADD %s: cannot fetch a URL with --network none", src)
		}
		dir, err := os.MkdirTemp("", "berth-add-")
		if err != nil {
			return nil, "", err
		}
		root, err := build.OpenRoot(dir)
		if err != nil {
			os.RemoveAll(dir)
			return nil, "", err
		}
		b.cleanups = append(b.cleanups, func() { root.Close(); os.RemoveAll(dir) })
		f, err := build.Fetch(ctx, src, root)
		if err != nil {
			return nil, "", err
		}
		remote = append(remote, f)
	}
	sd.SourcePaths = local
	return b.layerFrom(s, sd, b.ctx.Root, b.ctx, remote, c.Chown, c.Chmod, true)
}

// chownIDs resolves COPY/ADD --chown: numeric ids as they are, names
// through the stage image's /etc/passwd and /etc/group. Without a group
// the GID is the UID, as docker does.
func (b *builder) chownIDs(s *stageState, chown string) (uid, gid int, err error) {
	u, g, hasGroup := strings.Cut(chown, ":")
	uid, uerr := strconv.Atoi(u)
	gid, gerr := strconv.Atoi(g)
	if uerr == nil && (!hasGroup || gerr == nil) {
		if !hasGroup {
			gid = uid
		}
		return uid, gid, nil
	}
	var passwd, group []byte
	if s.id != "" {
		root, err := b.imageRoot(s.id)
		if err != nil {
			return 0, 0, err
		}
		passwd, group = readInRoot(root, "etc/passwd"), readInRoot(root, "etc/group")
	}
	spec := chown
	if !hasGroup {
		spec = u
	}
	eu, err := user.GetExecUser(spec, &user.ExecUser{}, bytes.NewReader(passwd), bytes.NewReader(group))
	if err != nil {
		return 0, 0, fmt.Errorf("--chown=%s: %v", chown, err)
	}
	if !hasGroup {
		return eu.Uid, eu.Uid, nil
	}
	return eu.Uid, eu.Gid, nil
}

// readInRoot is the content of the image's file rel (resolved inside its
// root filesystem), nil if it has none.
func readInRoot(root *build.Root, rel string) []byte {
	f, err := root.Open(rel)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 16<<20))
	return b
}

// isDirInImage reports whether p is a directory in image id, following
// symlinks inside the image as COPY's destination does.
func (b *builder) isDirInImage(id, p string) bool {
	if id == "" {
		return false
	}
	root, err := b.imageRoot(id)
	if err != nil {
		return false
	}
	st, err := root.Stat(p)
	return err == nil && st.IsDir()
}
