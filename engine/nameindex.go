package engine

import (
	"os"
	"path/filepath"
	"strings"
)

// The name index, <root>/containers/.names/<name> -> <id> (a symlink per
// container), makes a name lookup one readlink instead of reading every
// container's record: `berth stop web` and the name check of every create
// no longer grow with the store.
//
// Every container has its entry (a store of schema version 1 gets the
// index when it is upgraded), so a name without one is free; an entry
// is trusted only when the container it names still exists under that name,
// so the order of writes makes a crash harmless: the entry is written before
// the container (or its new name) and removed after, and a stale entry is
// simply overwritten.

func (e *Engine) namesDir() string { return filepath.Join(e.containersDir(), ".names") }

// nameOwner returns the container holding name, if any.
func (e *Engine) nameOwner(name string) (*record, bool) {
	if !namePattern.MatchString(name) {
		return nil, false
	}
	id, err := os.Readlink(filepath.Join(e.namesDir(), name))
	if err != nil || !isID(id) {
		return nil, false
	}
	r, err := e.loadRecord(id)
	if err != nil || r.Name != name {
		return nil, false // stale: the container is gone or was renamed
	}
	return r, true
}

// indexName points name at id. The caller holds the store lock.
func (e *Engine) indexName(name, id string) error {
	tmp := filepath.Join(e.namesDir(), ".tmp-"+name)
	os.Remove(tmp)
	if err := os.Symlink(id, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(e.namesDir(), name))
}

// unindexName removes name's entry if it still points at id. The caller
// holds the store lock.
func (e *Engine) unindexName(name, id string) {
	p := filepath.Join(e.namesDir(), name)
	if cur, err := os.Readlink(p); err == nil && cur == id {
		os.Remove(p)
	}
}

// renameMarker is left in containers/ for the length of a rename: one
// killed between its writes (the new name's entry, the record, the old
// name's removal) leaves an entry of the name the container does not
// have, and this marker, a .tmp- leftover that the next reconcile sweeps
// and then prunes the index.
func (e *Engine) renameMarker(id string) string {
	return filepath.Join(e.containersDir(), ".tmp-rename-"+id)
}

// pruneNames removes the entries whose container is not among known (the
// store's containers, read under the store lock the caller holds) or no
// longer has that name, and indexName's temporary links: what a create,
// rename or remove killed between its writes leaves.
func (e *Engine) pruneNames(known map[string]bool) {
	entries, _ := os.ReadDir(e.namesDir())
	for _, ent := range entries {
		p := filepath.Join(e.namesDir(), ent.Name())
		id, err := os.Readlink(p)
		if err != nil || !known[id] || strings.HasPrefix(ent.Name(), ".tmp-") {
			os.Remove(p)
			continue
		}
		if r, err := e.loadRecord(id); err == nil && r.Name != ent.Name() {
			os.Remove(p)
		}
	}
}

// buildNameIndex (re)builds the index from every container's record, for a
// store of schema version 1, which had none.
func (e *Engine) buildNameIndex() error {
	return e.withLock(func() error {
		tmp := filepath.Join(e.containersDir(), ".names-new")
		os.RemoveAll(tmp)
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			return err
		}
		ids, err := e.containerIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			if r, err := e.loadRecord(id); err == nil && r.Name != "" {
				if err := os.Symlink(id, filepath.Join(tmp, r.Name)); err != nil && !os.IsExist(err) {
					return err
				}
			}
		}
		os.RemoveAll(e.namesDir())
		return os.Rename(tmp, e.namesDir())
	})
}
