package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Root is a directory that paths are resolved in as if it were "/": the
// build context, or the root filesystem of a stage COPY --from reads.
// Every lookup is openat2(2) on a descriptor of the directory with
// RESOLVE_IN_ROOT, so "..", absolute symlinks and symlinks through ".."
// stay inside it, as docker resolves a context: `ln -s /etc ctx/etcl`
// makes etcl/shadow mean ctx/etc/shadow. The kernel does the confining;
// no path string is trusted, and a symlink swapped in between two
// lookups is resolved inside the root as well.
type Root struct {
	dir string   // for messages
	f   *os.File // O_PATH|O_DIRECTORY
}

// OpenRoot opens dir as a root. The caller closes it.
func OpenRoot(dir string) (*Root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return &Root{dir: dir, f: os.NewFile(uintptr(fd), dir)}, nil
}

// Dir is the directory the root was opened from.
func (r *Root) Dir() string { return r.dir }

// Close closes the root's descriptor.
func (r *Root) Close() error { return r.f.Close() }

// resolveFlags confine a lookup to the root; magic links (/proc/self/fd)
// cannot lead out of it either.
const resolveFlags = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// openat opens p (slash-separated, taken relative to the root whether or
// not it starts with "/") inside the root.
func (r *Root) openat(p string, flags uint64) (*os.File, error) {
	name := "." + path.Clean("/"+p)
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: resolveFlags}
	var fd int
	var err error
	for range 16 { // EAGAIN: a rename raced the lookup; the kernel asks to retry
		if fd, err = unix.Openat2(int(r.f.Fd()), name, &how); err != unix.EAGAIN {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), nil
}

// Open opens p for reading, following symlinks inside the root. It never
// blocks on a FIFO and refuses anything but a regular file.
func (r *Root) Open(p string) (*os.File, error) {
	f, err := r.openat(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: p, Err: errors.New("not a regular file")}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Stat is p's file info, following symlinks inside the root.
func (r *Root) Stat(p string) (fs.FileInfo, error) { return r.stat(p, 0) }

// Lstat is p's file info; a final symlink is not followed (those before
// it are, inside the root).
func (r *Root) Lstat(p string) (fs.FileInfo, error) { return r.stat(p, unix.O_NOFOLLOW) }

func (r *Root) stat(p string, flags uint64) (fs.FileInfo, error) {
	f, err := r.openat(p, unix.O_PATH|flags)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

// Readlink is the target of the symlink p, as stored (never resolved).
func (r *Root) Readlink(p string) (string, error) {
	f, err := r.openat(p, unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return "", err
	}
	defer f.Close()
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(int(f.Fd()), "", buf)
		if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: p, Err: err}
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// ReadDir lists the names in directory p, sorted.
func (r *Root) ReadDir(p string) ([]string, error) {
	f, err := r.openat(p, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: p, Err: err}
	}
	sort.Strings(names)
	return names, nil
}

// Glob lists the paths in the root that pattern (path.Match syntax per
// element, relative to the root) matches, sorted, each directory listed
// through the root, so a wildcard never looks outside it. A pattern
// without wildcards yields itself if it exists.
func (r *Root) Glob(pattern string) ([]string, error) {
	elems := strings.Split(strings.TrimPrefix(path.Clean("/"+pattern), "/"), "/")
	cur := []string{"."}
	for _, el := range elems {
		if el == "" {
			continue
		}
		if _, err := path.Match(el, ""); err != nil {
			return nil, fmt.Errorf("pattern %q: %v", pattern, err)
		}
		var next []string
		for _, dir := range cur {
			if !hasMeta(el) {
				next = append(next, path.Join(dir, unescape(el)))
				continue
			}
			names, err := r.ReadDir(dir)
			if err != nil {
				continue // not a directory, or gone: matches nothing
			}
			for _, n := range names {
				if ok, _ := path.Match(el, n); ok {
					next = append(next, path.Join(dir, n))
				}
			}
		}
		cur = next
	}
	var out []string
	for _, p := range cur {
		if _, err := r.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// unescape drops path.Match's escapes from an element without wildcards.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
