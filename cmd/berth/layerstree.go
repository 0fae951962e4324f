package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/berthdev/berth/engine"
)

// Printing file trees: `berth layers --layer/--aggregate/--range` and
// `berth diff -l`.

// entryLine is one path with its metadata: mode, owner, size, link.
func entryLine(en engine.FileEntry) string {
	if en.Change == "removed" {
		return fmt.Sprintf("%-10s %9s %9s  %s", "", "", "", en.Path)
	}
	s := fmt.Sprintf("%-10s %9s %9s  %s", en.LsMode(), fmt.Sprintf("%d:%d", en.UID, en.GID), sizeOf(en), en.Path)
	if en.Link != "" {
		s += " -> " + en.Link
	}
	return s
}

func sizeOf(en engine.FileEntry) string {
	if en.Type == "dir" {
		return "-"
	}
	return humanSize(en.Size)
}

func nonNilEntries(es []engine.FileEntry) []engine.FileEntry {
	if es == nil {
		return []engine.FileEntry{}
	}
	return es
}

// writeTree prints entries (in path order) as an indented tree: a change
// letter (A, C, D; blank in an aggregated tree), mode, owner, size, and
// the name indented by depth. Directories an entry needs but the list
// lacks are printed bare, so every name sits under its parent.
func writeTree(w io.Writer, entries []engine.FileEntry, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(nonNilEntries(entries))
	}
	fmt.Fprintf(w, "%-2s %-10s %9s %9s  %s\n", "", "PERMISSION", "UID:GID", "SIZE", "FILETREE")
	printed := map[string]bool{"/": true}
	for _, en := range entries {
		var missing []string
		for d := path.Dir(en.Path); !printed[d]; d = path.Dir(d) {
			missing = append([]string{d}, missing...)
		}
		for _, d := range missing {
			fmt.Fprintf(w, "%-2s %-10s %9s %9s  %s\n", "", "", "", "", treeName(d, "/"))
			printed[d] = true
		}
		printed[en.Path] = true
		letter := ""
		if en.Change != "" {
			letter = en.Change.Letter()
		}
		name := treeName(en.Path, "")
		if en.Type == "dir" {
			name += "/"
		}
		if en.Opaque {
			name += " (opaque)"
		}
		if en.Link != "" {
			name += " -> " + en.Link
		}
		if en.Change == "removed" {
			fmt.Fprintf(w, "%-2s %-10s %9s %9s  %s\n", letter, "", "", "", name)
			continue
		}
		fmt.Fprintf(w, "%-2s %-10s %9s %9s  %s\n", letter, en.LsMode(), fmt.Sprintf("%d:%d", en.UID, en.GID), sizeOf(en), name)
	}
	return nil
}

// treeName is a path's last element indented by its depth.
func treeName(p, suffix string) string {
	depth := strings.Count(strings.Trim(p, "/"), "/")
	return strings.Repeat("  ", depth) + path.Base(p) + suffix
}
