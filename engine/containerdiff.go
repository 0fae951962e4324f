package engine

import (
	"path/filepath"

	"github.com/berthdev/berth/layers"
)

// ChangeKind is what happened to a path: layers.ChangeAdded,
// ChangeModified or ChangeRemoved; Letter() gives docker diff's A, C, D.
type ChangeKind = layers.ChangeKind

// Change is one line of `berth diff`.
type Change struct {
	Kind ChangeKind
	Path string
}

// FileEntry is one path of an image layer, a layer range, an aggregated
// tree or a container's writable layer, with its metadata.
type FileEntry = layers.FileEntry

// ContainerChanges lists what a container changed in its image's file
// system, as docker diff does: each path added (A), changed (C) or
// deleted (D), parents before children.
func (e *Engine) ContainerChanges(ref string) ([]Change, error) {
	entries, err := e.ContainerLayer(ref)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(entries))
	for _, en := range entries {
		out = append(out, Change{Kind: en.Change, Path: en.Path})
	}
	return out, nil
}

// ContainerLayer is the tree view of a container's writable layer: every
// path it adds, modifies or removes in its image, with mode, owner, size
// and link target.
func (e *Engine) ContainerLayer(ref string) ([]FileEntry, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return nil, err
	}
	entries, err := layers.UpperChanges(filepath.Join(e.containerDir(r.ID), "upper"), r.LowerDirs)
	if err != nil {
		return nil, err
	}
	uids, gids, err := recordMaps(r)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		if entries[i].Change != layers.ChangeRemoved && uids != nil {
			entries[i].UID, entries[i].GID = toContainerID(uids, entries[i].UID), toContainerID(gids, entries[i].GID)
		}
	}
	return entries, nil
}
