package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/sys/user"

	"github.com/berthdev/berth/layers"
)

// copyLayer prepares a COPY/ADD: its sources' checksum now, the layer
// tarball on demand (only on a cache miss). COPY --from reads the stage's
// or image's root filesystem as a Root, so its symlinks resolve inside
// it and never on the host.
func (b *builder) copyLayer(s *stageState, sd instructions.SourcesAndDest, from, chown, chmod string) (layerFunc, string, error) {
	if from == "" {
		return b.layerFrom(s, sd, b.bctx.Root, b.bctx, nil, chown, chmod, false)
	}
	var img *layers.Image
	var err error
	if j, ok := b.df.Stage(from); ok {
		img = b.built[j]
	} else if img, err = b.e.Image(from); err != nil {
		return nil, "", fmt.Errorf("COPY --from=%s: no such stage or image", from)
	}
	root, err := b.imageRoot(img)
	if err != nil {
		return nil, "", fmt.Errorf("COPY --from=%s: %v", from, err)
	}
	return b.layerFrom(s, sd, root, nil, nil, chown, chmod, false)
}

// addLayer is ADD: local sources as COPY takes them, with tar archives
// unpacked; URL sources downloaded (refused under --network none) and
// copied as files, their content part of the cache key.
func (b *builder) addLayer(ctx context.Context, s *stageState, c *instructions.AddCommand) (layerFunc, string, error) {
	sd := c.SourcesAndDest
	var local []string
	var remote []File
	for _, src := range sd.SourcePaths {
		if !IsURL(src) {
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
		root, err := OpenRoot(dir)
		if err != nil {
			os.RemoveAll(dir)
			return nil, "", err
		}
		b.cleanups = append(b.cleanups, func() { root.Close(); os.RemoveAll(dir) })
		f, err := Fetch(ctx, src, root)
		if err != nil {
			return nil, "", err
		}
		remote = append(remote, f)
	}
	sd.SourcePaths = local
	return b.layerFrom(s, sd, b.bctx.Root, b.bctx, remote, c.Chown, c.Chmod, true)
}

// layerFrom is COPY and ADD once the source root is known; remote are
// files ADD downloaded, taken as they are.
func (b *builder) layerFrom(s *stageState, sd instructions.SourcesAndDest, root *Root, bctx *Context, remote []File, chown, chmod string, extract bool) (layerFunc, string, error) {
	groups, err := Sources(root, sd.SourcePaths, bctx)
	if err != nil {
		return nil, "", err
	}
	for _, f := range remote {
		groups = append(groups, Group{Src: f.Path, Files: []File{f}})
	}
	sum, err := Checksum(groups)
	if err != nil {
		return nil, "", err
	}
	spec := CopySpec{Dest: sd.DestPath, Extract: extract, DestDir: DestIsDir(sd.DestPath, groups)}
	if !path.IsAbs(spec.Dest) {
		spec.Dest = path.Join("/", s.cfg.WorkingDir, spec.Dest)
	}
	if chown != "" {
		if spec.UID, spec.GID, err = b.chownIDs(s, chown); err != nil {
			return nil, "", err
		}
	}
	if chmod != "" {
		m, err := strconv.ParseUint(chmod, 8, 32)
		if err != nil {
			return nil, "", fmt.Errorf("--chmod=%s: not an octal mode", chmod)
		}
		spec.Chmod, spec.HasChmod = fs.FileMode(m), true
	}
	return func() (io.Reader, func(), error) {
		if !spec.DestDir && b.isDirInImage(s, spec.Dest) {
			spec.DestDir = true // COPY f /existing-dir copies into it, as docker does
		}
		var buf bytes.Buffer
		if err := WriteTar(&buf, groups, spec); err != nil {
			return nil, nil, err
		}
		return &buf, func() {}, nil
	}, sum + "|" + sortedSrc(sd.SourcePaths), nil
}

func sortedSrc(s []string) string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return strings.Join(c, ",")
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
	if s.img != nil {
		root, err := b.imageRoot(s.img)
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
func readInRoot(root *Root, rel string) []byte {
	f, err := root.Open(rel)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 16<<20))
	return b
}

// isDirInImage reports whether p is a directory in the stage's image,
// following symlinks inside the image as COPY's destination does.
func (b *builder) isDirInImage(s *stageState, p string) bool {
	if s.img == nil {
		return false
	}
	root, err := b.imageRoot(s.img)
	if err != nil {
		return false
	}
	st, err := root.Stat(p)
	return err == nil && st.IsDir()
}
