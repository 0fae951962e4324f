package tui

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/layers"
)

// The fake engine's images all have the same four layers, a worker
// image's: a base, a package install, the app, a clean-up. Each adds,
// modifies and removes something; /etc/passwd and /app/config.yaml are
// text modified across layers; the apt cache is wasted (kept in two
// layers, then removed).

// fakeLayer is one layer of the fixture: its history line and changes.
type fakeLayer struct {
	by      string
	changes []engine.FileEntry
}

// fakeText is the content of the fixture's text files after a layer.
var fakeText = map[string]map[int]string{
	"/etc/passwd": {
		0: "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
		1: "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n",
		2: "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\nworker:x:1000:1000::/app:/bin/sh\n",
	},
	"/etc/os-release": {0: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"},
	"/app/config.yaml": {
		2: "queue: jobs\nlog: info\nworkers: 4\n",
		3: "queue: jobs\nlog: warn\nworkers: 4\n",
	},
}

func fakeLayers() []fakeLayer {
	dir := func(p, change string, layer int) engine.FileEntry {
		return engine.FileEntry{Path: p, Type: "dir", Mode: 0o755, Change: engine.ChangeKind(change), Layer: layer}
	}
	file := func(p, change string, layer int, size int64) engine.FileEntry {
		if t, ok := fakeText[p][layer]; ok {
			size = int64(len(t))
		}
		return engine.FileEntry{Path: p, Type: "file", Mode: 0o644, Size: size, Change: engine.ChangeKind(change), Layer: layer,
			Digest: fmt.Sprintf("sha256:%x", sha256.Sum256(fmt.Appendf(nil, "%s@%d", p, layer)))}
	}
	return []fakeLayer{
		{"/bin/sh -c #(nop) ADD file:4f1d2a in / ", []engine.FileEntry{
			dir("/bin", "added", 0), file("/bin/sh", "added", 0, 125_608),
			dir("/etc", "added", 0), file("/etc/os-release", "added", 0, 0), file("/etc/passwd", "added", 0, 0),
			dir("/usr", "added", 0), dir("/usr/lib", "added", 0), file("/usr/lib/libc.so.6", "added", 0, 1_922_136),
			dir("/var", "added", 0), dir("/var/cache", "added", 0), dir("/var/cache/apt", "added", 0),
			file("/var/cache/apt/pkgcache.bin", "added", 0, 4_212_000)}},
		{"/bin/sh -c apt-get update && apt-get install -y ca-certificates", []engine.FileEntry{
			dir("/etc", "modified", 1), file("/etc/passwd", "modified", 1, 0),
			dir("/etc/ssl", "added", 1), dir("/etc/ssl/certs", "added", 1), file("/etc/ssl/certs/ca-certificates.crt", "added", 1, 213_777),
			file("/var/cache/apt/pkgcache.bin", "modified", 1, 4_420_000)}},
		{"COPY worker config.yaml /app/ # buildkit", []engine.FileEntry{
			dir("/app", "added", 2), file("/app/config.yaml", "added", 2, 0), file("/app/worker", "added", 2, 8_100_000),
			file("/etc/passwd", "modified", 2, 0)}},
		{"RUN /bin/sh -c rm -rf /var/cache/apt && sed -i s/info/warn/ /app/config.yaml # buildkit", []engine.FileEntry{
			file("/app/config.yaml", "modified", 3, 0),
			{Path: "/var/cache/apt", Change: "removed", Layer: 3}}},
	}
}

func (f *fakeEngine) ImageLayers(ref string, _ engine.AnalyzeOptions) (*engine.LayerAnalysis, error) {
	f.recordLocked("layers " + ref)
	if err := f.failure("layers"); err != nil {
		return nil, err
	}
	a := &engine.LayerAnalysis{}
	type count struct {
		n        int
		cum, min int64
	}
	paths := map[string]*count{}
	var order []string
	for i, l := range fakeLayers() {
		row := layers.LayerSummary{Index: i, Digest: fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(l.by))),
			Files: len(l.changes), Created: epoch.Add(-time.Duration(30-i) * 24 * time.Hour), CreatedBy: l.by}
		for _, c := range l.changes {
			row.Size += c.Size
			switch c.Change {
			case "added":
				row.Added++
			case "modified":
				row.Modified++
			case "removed":
				row.Removed++
			}
			if c.Type == "file" {
				p := paths[c.Path]
				if p == nil {
					p = &count{min: c.Size}
					paths[c.Path] = p
					order = append(order, c.Path)
				}
				p.n, p.cum, p.min = p.n+1, p.cum+c.Size, min(p.min, c.Size)
			}
		}
		a.Efficiency.SizeBytes += row.Size
		if i > 0 {
			a.Efficiency.UserSizeBytes += row.Size
		}
		a.Layers = append(a.Layers, row)
	}
	a.Layers = append(a.Layers, layers.LayerSummary{Index: -1, Empty: true, CreatedBy: `/bin/sh -c #(nop)  CMD ["/app/worker"]`})
	var minSum, cumSum int64
	for _, p := range order {
		c := paths[p]
		minSum, cumSum = minSum+c.min, cumSum+c.cum
		if c.n > 1 {
			a.Efficiency.Wasted = append(a.Efficiency.Wasted, layers.WastedPath{Path: p, Count: c.n, Bytes: c.cum})
			a.Efficiency.WastedBytes += c.cum
		}
	}
	slices.SortFunc(a.Efficiency.Wasted, func(x, y layers.WastedPath) int { return int(y.Bytes - x.Bytes) })
	a.Efficiency.Score = float64(minSum) / float64(cumSum)
	a.Efficiency.UserWastedPercent = float64(a.Efficiency.WastedBytes) / float64(a.Efficiency.UserSizeBytes)
	return a, nil
}

// failure is the error set for verb, if any.
func (f *fakeEngine) failure(verb string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail[verb]
}

func (f *fakeEngine) LayerChanges(ref string, from, to int, _ bool) ([]engine.FileEntry, error) {
	f.recordLocked(fmt.Sprintf("layer changes %s %d..%d", ref, from, to))
	ls := fakeLayers()
	if from != to || from < 0 || from >= len(ls) {
		return nil, fmt.Errorf("layer %d..%d: the fake has layers 0 to %d, one at a time", from, to, len(ls)-1)
	}
	return ls[from].changes, nil
}

// fakeStack is the fixture's tree after layer upTo.
func fakeStack(upTo int) map[string]engine.FileEntry {
	tree := map[string]engine.FileEntry{}
	for _, l := range fakeLayers()[:upTo+1] {
		for _, c := range l.changes {
			if c.Change == "removed" {
				for p := range tree {
					if p == c.Path || strings.HasPrefix(p, c.Path+"/") {
						delete(tree, p)
					}
				}
				continue
			}
			c.Change = ""
			tree[c.Path] = c
		}
	}
	return tree
}

func (f *fakeEngine) LayerTree(ref string, upTo int, _ bool) ([]engine.FileEntry, error) {
	f.recordLocked(fmt.Sprintf("layer tree %s %d", ref, upTo))
	if err := f.failure("layer tree"); err != nil {
		return nil, err
	}
	var out []engine.FileEntry
	for _, e := range fakeStack(upTo) {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b engine.FileEntry) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func (f *fakeEngine) PathHistory(ref, p string) ([]engine.PathEvent, error) {
	f.recordLocked("path history " + ref + " " + p)
	var out []engine.PathEvent
	for i, l := range fakeLayers() {
		for _, c := range l.changes {
			switch {
			case c.Path == p:
				out = append(out, engine.PathEvent{Layer: i, Change: c.Change, Entry: c})
			case c.Change == "removed" && strings.HasPrefix(p, c.Path+"/"):
				if e, ok := fakeStack(i - 1)[p]; ok {
					out = append(out, engine.PathEvent{Layer: i, Change: "removed", Entry: e})
				}
			}
		}
	}
	return out, nil
}

func (f *fakeEngine) LayerDiff(ref, p string, from, to int) (*engine.FileDiff, error) {
	f.recordLocked(fmt.Sprintf("layer diff %s %s %d %d", ref, p, from, to))
	d := &engine.FileDiff{Path: p, From: from, To: to}
	var texts [2]string
	for i, l := range []int{from, to} {
		e, ok := fakeStack(l)[p]
		if !ok {
			continue
		}
		if i == 0 {
			d.Old = &e
		} else {
			d.New = &e
		}
		t, text := fakeText[p][e.Layer]
		d.Binary = d.Binary || !text
		texts[i] = t
	}
	if d.Old == nil && d.New == nil {
		return nil, fmt.Errorf("path %q: in neither layer %d nor layer %d", p, from, to)
	}
	if !d.Binary {
		d.Unified = naiveDiff(fmt.Sprintf("a%s (layer %d)", p, from), fmt.Sprintf("b%s (layer %d)", p, to), texts[0], texts[1])
	}
	return d, nil
}

// naiveDiff is a unified diff of one hunk: the common head and tail kept,
// the middle replaced; enough for the fixture's small files.
func naiveDiff(a, b, old, new string) string {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	}
	x, y := split(old), split(new)
	head := 0
	for head < len(x) && head < len(y) && strings.TrimSuffix(x[head], "\n") == strings.TrimSuffix(y[head], "\n") {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n@@ -1,%d +1,%d @@\n", a, b, len(x), len(y))
	line := func(op string, l string) { sb.WriteString(op + strings.TrimSuffix(l, "\n") + "\n") }
	for _, l := range x[:head] {
		line(" ", l)
	}
	for _, l := range x[head : len(x)-tail] {
		line("-", l)
	}
	for _, l := range y[head : len(y)-tail] {
		line("+", l)
	}
	for _, l := range x[len(x)-tail:] {
		line(" ", l)
	}
	return sb.String()
}
