package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
		b.cleanups = append(b.cleanups, func() { os.RemoveAll(dir) })
		f, err := build.Fetch(ctx, src, dir)
		if err != nil {
			return nil, "", err
		}
		f.Remote = true
		remote = append(remote, f)
	}
	sd.SourcePaths = local
	return b.layerFrom(s, sd, b.ctx.Dir, b.ctx, remote, c.Chown, c.Chmod, true)
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
	passwd, group := "/dev/null", "/dev/null"
	if s.id != "" {
		img, err := b.e.images.Resolve(s.id)
		if err != nil {
			return 0, 0, err
		}
		dirs, err := b.e.images.LowerDirs(img)
		if err != nil {
			return 0, 0, err
		}
		passwd, group = findInLayers(dirs, "etc/passwd"), findInLayers(dirs, "etc/group")
	}
	spec := chown
	if !hasGroup {
		spec = u
	}
	eu, err := user.GetExecUserPath(spec, &user.ExecUser{}, passwd, group)
	if err != nil {
		return 0, 0, fmt.Errorf("--chown=%s: %v", chown, err)
	}
	if !hasGroup {
		return eu.Uid, eu.Uid, nil
	}
	return eu.Uid, eu.Gid, nil
}

// findInLayers is the topmost layer's copy of rel, "/dev/null" if none.
func findInLayers(dirs []string, rel string) string {
	for _, d := range dirs {
		p := filepath.Join(d, rel)
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return "/dev/null"
}

// isDirInImage reports whether p is a directory in image id: the topmost
// layer that has p decides, one that whites it out hides it.
func (b *builder) isDirInImage(id, p string) bool {
	if id == "" {
		return false
	}
	img, err := b.e.images.Resolve(id)
	if err != nil {
		return false
	}
	dirs, err := b.e.images.LowerDirs(img)
	if err != nil {
		return false
	}
	rel := strings.TrimPrefix(filepath.Clean(p), "/")
	if rel == "" {
		return true
	}
	for _, d := range dirs {
		st, err := os.Lstat(filepath.Join(d, rel))
		if err != nil {
			continue
		}
		if st.Mode()&os.ModeCharDevice != 0 && st.Size() == 0 {
			return false // an overlay whiteout
		}
		return st.IsDir()
	}
	return false
}
