// Package atomicfile writes files so that a crash at any point leaves either the
// old content or the new, never a torn file: temp file in the same directory,
// write, fsync, rename, fsync the directory. Commit is the second half of
// that for a temp file the caller wrote and verified itself (a blob whose
// digest it checked on the way in): the one commit every blob goes through.
package atomicfile

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile atomically replaces path with data.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteJSON atomically replaces path with the indented JSON encoding of v.
func WriteJSON(path string, v any, perm os.FileMode) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", filepath.Base(path), err)
	}
	return WriteFile(path, append(data, '\n'), perm)
}

// Write atomically replaces path with what fill writes.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) error {
	if err := replace(path, perm, fill); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// ReplaceJSON is WriteJSON without making the rename durable: after a crash
// path holds the old content or the new, both whole, and the replacement
// may be lost. For records whose last change a crash may undo (a
// container's runtime state, which reconcile corrects), it saves one of
// the two fsyncs.
func ReplaceJSON(path string, v any, perm os.FileMode) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", filepath.Base(path), err)
	}
	return replace(path, perm, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// replace writes a synced temp file and renames it over path.
func replace(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if _, err = commit(f, path, perm, false); err != nil {
		return err
	}
	return f.Close()
}

// Commit makes f, a temp file the caller has written and verified, the
// file path: mode perm, fsync, rename over path, fsync of the directory.
// f must be in path's directory (or another on the same filesystem, whose
// own directory then needs a SyncDir); it stays open for the caller to
// close, and on error the caller removes it. renamed reports whether path
// now is f, which it is when only the directory's fsync failed, so that a
// caller can take it back out.
func Commit(f *os.File, path string, perm os.FileMode) (renamed bool, err error) {
	return commit(f, path, perm, true)
}

func commit(f *os.File, path string, perm os.FileMode, durable bool) (renamed bool, err error) {
	if err := f.Chmod(perm); err != nil {
		return false, err
	}
	if err := fsync(f); err != nil {
		return false, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return false, err
	}
	if !durable {
		return true, nil
	}
	return true, SyncDir(filepath.Dir(path))
}

// fsync is f.Sync; tests replace it to see which files are synced when.
var fsync = (*os.File).Sync

// SyncDir fsyncs a directory so that renames in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return fsync(d)
}

// Populate writes files (name → content, mode perm) into dir, a private
// directory still to be renamed into place as a whole (a new container's
// staging directory): no temp file and rename per file, since nothing
// reads dir before its own rename. Every file is written before any is
// synced, so on a journalling filesystem the first fsync commits them all
// and the later ones find nothing left to write; then dir is synced, so
// that its entries are durable before the caller's rename of dir (which the
// caller makes durable with SyncDir of the parent). A file that exists
// already is an error (O_EXCL), as is a symlink in its place.
func Populate(dir string, perm os.FileMode, files map[string][]byte) (err error) {
	var opened []*os.File
	defer func() {
		for _, f := range opened {
			f.Close()
		}
	}()
	for name, data := range files {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, perm)
		if err != nil {
			return err
		}
		opened = append(opened, f)
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	for _, f := range opened {
		if err := fsync(f); err != nil {
			return err
		}
	}
	return SyncDir(dir)
}
