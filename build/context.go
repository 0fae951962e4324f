package build

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Context is a build context directory with its .dockerignore applied.
// Every path in it resolves through its Root.
type Context struct {
	*Root
	matcher *patternmatcher.PatternMatcher
}

// OpenContext opens dir as a build context, reading its .dockerignore.
// The caller closes it.
func OpenContext(dir string) (*Context, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("build context %q: not a directory", dir)
	}
	root, err := OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("build context %q: %v", dir, err)
	}
	c := &Context{Root: root}
	if err := c.readIgnore(); err != nil {
		root.Close()
		return nil, err
	}
	return c, nil
}

func (c *Context) readIgnore() error {
	f, err := c.Open(".dockerignore")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf(".dockerignore: %v", err)
	}
	defer f.Close()
	pats, err := ignorefile.ReadAll(f)
	if err != nil {
		return fmt.Errorf(".dockerignore: %v", err)
	}
	if c.matcher, err = patternmatcher.New(pats); err != nil {
		return fmt.Errorf(".dockerignore: %v", err)
	}
	return nil
}

// ignored reports whether rel (slash-separated, relative) is excluded:
// a pattern that matches one of its parent directories excludes it too,
// unless a later "!" pattern brings it back.
func (c *Context) ignored(rel string) bool {
	if c == nil || c.matcher == nil || rel == "." {
		return false
	}
	ok, _ := c.matcher.MatchesOrParentMatches(rel)
	return ok
}

// descend reports whether a walk enters an ignored directory: only when
// a "!" pattern might bring back something below it.
func (c *Context) descend() bool { return c.matcher.Exclusions() }

// File is one file a COPY takes.
type File struct {
	Root *Root
	Path string      // where it is in Root
	Rel  string      // its path under the destination directory
	Info fs.FileInfo // not following a final symlink, except for a Top file
	// Top marks a file the COPY names (or its wildcard matches) rather
	// than one found in a directory it names. A Top symlink is followed
	// inside the root, as docker follows it.
	Top bool
	// Remote marks a file ADD downloaded: never extracted.
	Remote bool
}

// Group is what one COPY source yields.
type Group struct {
	Src   string
	Dir   bool // the source is (or its wildcard matched) a directory
	Files []File
}

// Sources resolves COPY sources (wildcards allowed) within root, which is
// the context (ignore rules apply) or a stage's root filesystem (c is
// nil). Every lookup stays inside root (see Root). A source matching
// nothing is an error; so is one that climbs out of the context with "..".
func Sources(root *Root, srcs []string, c *Context) ([]Group, error) {
	var out []Group
	for _, src := range srcs {
		if c != nil && escapes(src) {
			return nil, fmt.Errorf("COPY source %q: outside the build context", src)
		}
		matches, err := root.Glob(src)
		if err != nil {
			return nil, fmt.Errorf("COPY source %q: %v", src, err)
		}
		g := Group{Src: src}
		found := false
		for _, m := range matches {
			if c.ignored(m) {
				continue
			}
			st, err := root.Stat(m)
			if errors.Is(err, fs.ErrNotExist) {
				continue // a link to nothing (inside the root)
			}
			if err != nil {
				return nil, fmt.Errorf("COPY source %q: %s: %v", src, m, unwrapPath(err))
			}
			found = true
			if !st.IsDir() {
				g.Files = append(g.Files, File{Root: root, Path: m, Rel: path.Base(m), Info: st, Top: true})
				continue
			}
			g.Dir = true
			if err := walk(root, m, m, c, &g.Files); err != nil {
				return nil, fmt.Errorf("COPY source %q: %v", src, err)
			}
		}
		if !found {
			where := "the build context"
			if c == nil {
				where = "the stage"
			}
			return nil, fmt.Errorf("COPY source %q: not found in %s", src, where)
		}
		out = append(out, g)
	}
	return out, nil
}

// escapes reports whether a context source climbs above the context
// (docker's "forbidden path outside the build context"). The lookup
// would stay inside anyway; this names the mistake.
func escapes(src string) bool {
	p := path.Clean(filepath.ToSlash(src))
	return p == ".." || strings.HasPrefix(p, "../")
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// walk appends what directory dir (in root) holds, depth first in name
// order, Rel relative to top. Symlinks inside are kept as symlinks.
func walk(root *Root, top, dir string, c *Context, out *[]File) error {
	names, err := root.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, n := range names {
		p := path.Join(dir, n)
		info, err := root.Lstat(p)
		if err != nil {
			return err
		}
		if c.ignored(p) {
			if info.IsDir() && c.descend() {
				if err := walk(root, top, p, c, out); err != nil {
					return err
				}
			}
			continue
		}
		rel := strings.TrimPrefix(p, top+"/")
		if top == "." {
			rel = p
		}
		*out = append(*out, File{Root: root, Path: p, Rel: rel, Info: info})
		if info.IsDir() {
			if err := walk(root, top, p, c, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// Checksum is the docker-style content hash of sources: names, modes,
// link targets, hard links and file contents, never mtimes.
func Checksum(groups []Group) (string, error) {
	h := sha256.New()
	links := hardLinks{}
	for _, g := range groups {
		fmt.Fprintf(h, "%s\x00%t\x00", g.Src, g.Dir)
		sorted := append([]File(nil), g.Files...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Rel < sorted[j].Rel })
		for _, f := range sorted {
			fmt.Fprintf(h, "%s\x00%o\x00", f.Rel, f.Info.Mode())
			switch {
			case f.Info.Mode()&fs.ModeSymlink != 0:
				t, err := f.Root.Readlink(f.Path)
				if err != nil {
					return "", err
				}
				io.WriteString(h, t)
			case f.Info.Mode().IsRegular():
				if first, ok := links.seen(f, f.Rel); ok {
					io.WriteString(h, "link\x00"+first)
					break
				}
				if err := f.copyTo(h); err != nil {
					return "", err
				}
			}
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// copyTo writes a regular file's content, exactly Info.Size() bytes.
func (f File) copyTo(w io.Writer) error {
	r, err := f.Root.Open(f.Path)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := io.CopyN(w, r, f.Info.Size()); err != nil {
		return fmt.Errorf("%s: %v (changed while copying?)", f.Path, err)
	}
	return nil
}

// hardLinks remembers the first name of each regular file with more than
// one link, by device and inode.
type hardLinks map[[2]uint64]string

// seen returns the first name of f's inode, recording name if f is first.
func (l hardLinks) seen(f File, name string) (string, bool) {
	st, ok := f.Info.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 || f.Remote {
		return "", false
	}
	k := [2]uint64{uint64(st.Dev), st.Ino}
	if first, ok := l[k]; ok {
		return first, true
	}
	l[k] = name
	return "", false
}

// DestIsDir reports whether COPY writes into dest as a directory: a
// trailing slash or ".", several files, or a directory source.
func DestIsDir(dest string, groups []Group) bool {
	if strings.HasSuffix(dest, "/") || dest == "." || strings.HasSuffix(dest, "/.") || len(groups) > 1 {
		return true
	}
	return len(groups) == 1 && (groups[0].Dir || len(groups[0].Files) > 1)
}

// CopySpec says where and how COPY writes its files.
type CopySpec struct {
	Dest     string // absolute destination in the image
	DestDir  bool   // the destination is a directory (trailing slash, several sources, a directory source)
	UID, GID int    // -1 keeps the files' owners... as docker: 0 unless --chown
	Chmod    fs.FileMode
	HasChmod bool
	Extract  bool // ADD: local tar archives are unpacked into Dest
}

// WriteTar writes a layer tarball of groups laid out as COPY does. Two
// names of one inode in the sources stay two names of one inode (a tar
// hard link), as docker keeps them.
func WriteTar(w io.Writer, groups []Group, s CopySpec) error {
	tw := tar.NewWriter(w)
	seen := map[string]bool{}
	dir := func(p string) error {
		for _, d := range parents(p) {
			if seen[d] {
				continue
			}
			seen[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, Uid: s.UID, Gid: s.GID, ModTime: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	}
	dest := strings.TrimPrefix(path.Clean("/"+s.Dest), "/")
	links := hardLinks{}
	for _, g := range groups {
		if g.Dir {
			if err := dir(dest); err != nil {
				return err
			}
		}
		for _, f := range g.Files {
			if s.Extract && f.Top && !f.Remote && f.Info.Mode().IsRegular() {
				done, err := extract(tw, f, dest, s, dir)
				if err != nil {
					return err
				}
				if done {
					continue
				}
			}
			name := dest
			if !f.Top || s.DestDir {
				name = strings.TrimPrefix(path.Join("/", dest, f.Rel), "/")
			}
			if name == "" {
				return fmt.Errorf("COPY %s: cannot replace the root directory with a file", f.Path)
			}
			if err := dir(path.Dir(name)); err != nil {
				return err
			}
			if err := writeFile(tw, f, name, s, links); err != nil {
				return err
			}
			if f.Info.IsDir() {
				seen[name] = true
			}
		}
	}
	return tw.Close()
}

// writeFile writes one source file's entry (and content) as name.
func writeFile(tw *tar.Writer, f File, name string, s CopySpec, links hardLinks) error {
	link := ""
	if f.Info.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = f.Root.Readlink(f.Path); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(f.Info, link)
	if err != nil {
		return err
	}
	hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = name, s.UID, s.GID, "", ""
	if s.HasChmod && f.Info.Mode()&fs.ModeSymlink == 0 {
		hdr.Mode = int64(s.Chmod)
	}
	if f.Info.IsDir() {
		hdr.Name += "/"
	}
	if f.Info.Mode().IsRegular() {
		if first, ok := links.seen(f, name); ok {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			return tw.WriteHeader(hdr)
		}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if f.Info.Mode().IsRegular() {
		return f.copyTo(tw)
	}
	return nil
}

// parents lists p and its parent directories, outermost first.
func parents(p string) []string {
	if p == "." || p == "" || p == "/" {
		return nil
	}
	return append(parents(path.Dir(p)), p)
}
