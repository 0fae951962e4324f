package build

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Context is a build context directory with its .dockerignore applied.
type Context struct {
	Dir     string
	matcher *patternmatcher.PatternMatcher
}

// OpenContext opens dir as a build context, reading its .dockerignore.
func OpenContext(dir string) (*Context, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("build context %q: not a directory", dir)
	}
	c := &Context{Dir: abs}
	f, err := os.Open(filepath.Join(abs, ".dockerignore"))
	if err == nil {
		defer f.Close()
		pats, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf(".dockerignore: %v", err)
		}
		if c.matcher, err = patternmatcher.New(pats); err != nil {
			return nil, fmt.Errorf(".dockerignore: %v", err)
		}
	}
	return c, nil
}

// ignored reports whether rel (slash-separated, relative) is excluded.
func (c *Context) ignored(rel string) bool {
	if c.matcher == nil || rel == "." {
		return false
	}
	ok, _ := c.matcher.MatchesOrParentMatches(rel)
	return ok
}

// File is one file a COPY takes: its path on disk and its path relative
// to the source root ("" for a single file copied by name).
type File struct {
	Abs  string
	Rel  string // path under the destination
	Info fs.FileInfo
	// Remote marks a file ADD downloaded: never extracted.
	Remote bool
}

// Sources resolves COPY sources (wildcards allowed) within root, which is
// the context directory (ignore rules apply) or a stage's root filesystem
// (they do not). A source outside root or matching nothing is an error.
func Sources(root string, srcs []string, c *Context) ([][]File, error) {
	var out [][]File
	for _, src := range srcs {
		clean := path.Clean("/" + filepath.ToSlash(src))
		if strings.HasPrefix(path.Clean(src), "..") {
			return nil, fmt.Errorf("COPY source %q: outside the build context", src)
		}
		matches, err := filepath.Glob(filepath.Join(root, clean))
		if err != nil {
			return nil, fmt.Errorf("COPY source %q: %v", src, err)
		}
		var files []File
		for _, m := range matches {
			rel, _ := filepath.Rel(root, m)
			if c != nil && c.ignored(filepath.ToSlash(rel)) {
				continue
			}
			fs, err := walk(root, m, c)
			if err != nil {
				return nil, err
			}
			files = append(files, fs...)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("COPY source %q: not found in the build context", src)
		}
		out = append(out, files)
	}
	return out, nil
}

func walk(root, top string, c *Context) ([]File, error) {
	st, err := os.Lstat(top)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []File{{Abs: top, Rel: filepath.Base(top), Info: st}}, nil
	}
	var files []File
	err = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if c != nil && c.ignored(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if p == top {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(top, p)
		files = append(files, File{Abs: p, Rel: filepath.ToSlash(r), Info: info})
		return nil
	})
	return files, err
}

// Checksum is the docker-style content hash of sources: names, modes,
// link targets and file contents, never mtimes.
func Checksum(groups [][]File) (string, error) {
	h := sha256.New()
	for _, g := range groups {
		sorted := append([]File(nil), g...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Rel < sorted[j].Rel })
		for _, f := range sorted {
			fmt.Fprintf(h, "%s\x00%o\x00", f.Rel, f.Info.Mode())
			switch {
			case f.Info.Mode()&fs.ModeSymlink != 0:
				t, _ := os.Readlink(f.Abs)
				io.WriteString(h, t)
			case f.Info.Mode().IsRegular():
				r, err := os.Open(f.Abs)
				if err != nil {
					return "", err
				}
				_, err = io.Copy(h, r)
				r.Close()
				if err != nil {
					return "", err
				}
			}
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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

// WriteTar writes a layer tarball of groups laid out as COPY does.
func WriteTar(w io.Writer, groups [][]File, srcIsDir []bool, s CopySpec) error {
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
	for gi, g := range groups {
		for _, f := range g {
			if s.Extract && !f.Remote && f.Info.Mode().IsRegular() {
				if tr, closeFn, ok := openArchive(f.Abs); ok {
					err := copyArchive(tw, tr, s.Dest, s, dir)
					closeFn()
					if err != nil {
						return err
					}
					continue
				}
			}
			var name string
			if srcIsDir[gi] {
				name = path.Join(s.Dest, f.Rel)
			} else if s.DestDir {
				name = path.Join(s.Dest, path.Base(f.Rel))
			} else {
				name = s.Dest
			}
			name = strings.TrimPrefix(name, "/")
			if err := dir(path.Dir(name)); err != nil {
				return err
			}
			link := ""
			if f.Info.Mode()&fs.ModeSymlink != 0 {
				link, _ = os.Readlink(f.Abs)
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
				seen[name] = true
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if f.Info.Mode().IsRegular() {
				r, err := os.Open(f.Abs)
				if err != nil {
					return err
				}
				_, err = io.Copy(tw, r)
				r.Close()
				if err != nil {
					return err
				}
			}
		}
	}
	return tw.Close()
}

// parents lists p and its parent directories, outermost first.
func parents(p string) []string {
	if p == "." || p == "" || p == "/" {
		return nil
	}
	return append(parents(path.Dir(p)), p)
}
