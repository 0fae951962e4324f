package layers

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// storeImage builds an image of layer tarballs with go-containerregistry
// (one history entry per layer, plus an empty one on top) and writes it
// straight into the store's OCI layout, named ref: no check of ours runs
// on the way in, so hostile layers get there too.
func storeImage(t *testing.T, s *Store, ref string, tars ...[]byte) *Image {
	t.Helper()
	img := empty.Image
	for i, data := range tars {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			t.Fatalf("LayerFromOpener(%d) = %v", i, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: fmt.Sprintf("step %d", i)}})
		if err != nil {
			t.Fatalf("mutate.Append(%d) = %v", i, err)
		}
	}
	img, err := mutate.Append(img, mutate.Addendum{History: v1.History{CreatedBy: "CMD [\"sh\"]", EmptyLayer: true}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := NormalizeRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := layout.Path(s.oci).AppendImage(img, layout.WithAnnotations(map[string]string{AnnotationRefName: full})); err != nil {
		t.Fatalf("AppendImage = %v", err)
	}
	got, err := s.Resolve(ref)
	if err != nil {
		t.Fatalf("Resolve(%s) = %v", ref, err)
	}
	return got
}

func whiteout(name string) entry { return reg(name, "") }

// goldenImage has crafted whiteouts, an opaque directory, a file changed
// in three layers and a directory deleted then re-added.
func goldenImage(t *testing.T, s *Store) *Image {
	return storeImage(t, s, "golden",
		makeTar(t, dir("etc/"), reg("etc/conf", "v1\n"), dir("app/"), reg("app/bin", "BINARY"), dir("app/cache/"),
			reg("app/cache/a", "aaaa"), reg("app/cache/b", "bb"), dir("data/"), reg("data/x", "x")),
		makeTar(t, dir("etc/"), reg("etc/conf", "v2\n"), dir("app/"), dir("app/cache/"), whiteout("app/cache/.wh..wh..opq"),
			reg("app/cache/c", "c"), dir("data/"), whiteout("data/.wh.x"), symlink("app/link", "bin")),
		makeTar(t, dir("etc/"), reg("etc/conf", "v3 final\n"), whiteout(".wh.data")),
		makeTar(t, dir("data/"), reg("data/y", "yy")),
	)
}

// changeLines renders entries as "A /path" lines, the truth's format.
func changeLines(es []FileEntry) string {
	var b strings.Builder
	for _, e := range es {
		letter := " "
		if e.Change != "" {
			letter = e.Change.Letter()
		}
		fmt.Fprintf(&b, "%s %s %d\n", letter, e.Path, e.Layer)
	}
	return b.String()
}

func TestLayerChangesGolden(t *testing.T) {
	s := newStore(t)
	img := goldenImage(t, s)
	tests := []struct {
		layer int
		want  string
	}{
		{0, "A /app 0\nA /app/bin 0\nA /app/cache 0\nA /app/cache/a 0\nA /app/cache/b 0\nA /data 0\nA /data/x 0\nA /etc 0\nA /etc/conf 0\n"},
		{1, "C /app 1\nC /app/cache 1\nD /app/cache/a 1\nD /app/cache/b 1\nA /app/cache/c 1\nA /app/link 1\nC /data 1\nD /data/x 1\nC /etc 1\nC /etc/conf 1\n"},
		{2, "D /data 2\nC /etc 2\nC /etc/conf 2\n"},
		{3, "A /data 3\nA /data/y 3\n"},
	}
	for _, tt := range tests {
		got, err := s.LayerChanges(img, tt.layer, true)
		if err != nil {
			t.Fatalf("LayerChanges(%d) = %v", tt.layer, err)
		}
		if changeLines(got) != tt.want {
			t.Errorf("LayerChanges(%d) =\n%s\nwant\n%s", tt.layer, changeLines(got), tt.want)
		}
		for _, e := range got {
			if e.Path == "/app/cache" && e.Opaque != (tt.layer == 1) {
				t.Errorf("LayerChanges(%d): /app/cache opaque = %v", tt.layer, e.Opaque)
			}
			if e.Path == "/etc/conf" && (e.Digest == "" || e.Mode != 0o644 || e.Type != TypeFile) {
				t.Errorf("LayerChanges(%d): /etc/conf = %+v, want a 0644 file with a digest", tt.layer, e)
			}
		}
	}
}

func TestTreeRangeAndHistoryGolden(t *testing.T) {
	s := newStore(t)
	img := goldenImage(t, s)
	tree, err := s.Tree(img, 3, false)
	if err != nil {
		t.Fatalf("Tree = %v", err)
	}
	if got, want := changeLines(tree), "  /app 1\n  /app/bin 0\n  /app/cache 1\n  /app/cache/c 1\n  /app/link 1\n  /data 3\n  /data/y 3\n  /etc 2\n  /etc/conf 2\n"; got != want {
		t.Errorf("Tree(3) =\n%s\nwant\n%s", got, want)
	}
	rng, err := s.Changes(img, 1, 3, false)
	if err != nil {
		t.Fatalf("Changes(1, 3) = %v", err)
	}
	if got, want := changeLines(rng), "C /app 1\nC /app/cache 1\nD /app/cache/a 3\nD /app/cache/b 3\nA /app/cache/c 1\nA /app/link 1\nC /data 3\nD /data/x 3\nA /data/y 3\nC /etc 2\nC /etc/conf 2\n"; got != want {
		t.Errorf("Changes(1, 3) =\n%s\nwant\n%s", got, want)
	}
	histories := map[string]string{
		"/etc/conf":    "0 added, 1 modified, 2 modified",
		"data/x":       "0 added, 1 removed",
		"/data":        "0 added, 1 modified, 2 removed, 3 added",
		"/app/cache/a": "0 added, 1 removed",
		"/nothing":     "",
	}
	for p, want := range histories {
		evs, err := s.PathHistory(img, p)
		if err != nil {
			t.Fatalf("PathHistory(%s) = %v", p, err)
		}
		var got []string
		for _, ev := range evs {
			got = append(got, fmt.Sprintf("%d %s", ev.Layer, ev.Change))
		}
		if strings.Join(got, ", ") != want {
			t.Errorf("PathHistory(%s) = %q, want %q", p, strings.Join(got, ", "), want)
		}
	}
}

func TestEfficiencyGolden(t *testing.T) {
	s := newStore(t)
	img := goldenImage(t, s)
	a, err := s.Analyze(img, AnalyzeOptions{})
	if err != nil {
		t.Fatalf("Analyze = %v", err)
	}
	// Worked by hand with dive's rules (see Efficiency): leaves per layer
	// L0 conf 3, bin 6, a 4, b 2, x 1; L1 conf 3, c 1, link 0, whiteout x 0;
	// L2 conf 9, whiteout data 0 (nothing left under it); L3 y 2.
	ef := a.Efficiency
	if ef.Score != 18.0/31 || ef.WastedBytes != 16 || ef.SizeBytes != 31 || ef.UserSizeBytes != 15 {
		t.Errorf("Efficiency = %+v, want score 18/31, wasted 16, size 31, user 15", ef)
	}
	want := []WastedPath{{"/etc/conf", 3, 15}, {"/data/x", 2, 1}}
	if fmt.Sprint(ef.Wasted) != fmt.Sprint(want) {
		t.Errorf("Wasted = %v, want %v", ef.Wasted, want)
	}
	var rows []string
	for _, l := range a.Layers {
		rows = append(rows, fmt.Sprintf("%d %s +%d ~%d -%d", l.Index, l.CreatedBy, l.Added, l.Modified, l.Removed))
	}
	if got, want := strings.Join(rows, "\n"), "0 step 0 +9 ~0 -0\n1 step 1 +2 ~5 -3\n2 step 2 +0 ~2 -1\n3 step 3 +2 ~0 -0\n-1 CMD [\"sh\"] +0 ~0 -0"; got != want {
		t.Errorf("layer table =\n%s\nwant\n%s", got, want)
	}
}

func TestCatDiffExtract(t *testing.T) {
	s := newStore(t)
	img := goldenImage(t, s)
	var b bytes.Buffer
	if err := s.Cat(img, 1, "/etc/conf", &b); err != nil || b.String() != "v2\n" {
		t.Errorf("Cat(1, /etc/conf) = %q, %v; want v2", b.String(), err)
	}
	b.Reset()
	if err := s.Cat(img, 3, "app/link", &b); err != nil || b.String() != "BINARY" {
		t.Errorf("Cat(3, app/link) = %q, %v; want the symlink's target's content", b.String(), err)
	}
	if err := s.Cat(img, 2, "/data/x", io.Discard); err == nil {
		t.Errorf("Cat(2, /data/x) of a removed file succeeded")
	}
	d, err := s.DiffFile(img, "/etc/conf", 0, 2)
	if err != nil {
		t.Fatalf("DiffFile = %v", err)
	}
	if want := "--- a/etc/conf (layer 0)\n+++ b/etc/conf (layer 2)\n@@ -1 +1 @@\n-v1\n+v3 final\n"; d.Unified != want || d.Binary {
		t.Errorf("DiffFile.Unified = %q, want %q", d.Unified, want)
	}
	dest := t.TempDir()
	if err := s.ExtractLayer(img, 1, dest); err != nil {
		t.Fatalf("ExtractLayer(1) = %v", err)
	}
	got := readTree(t, dest)
	if want := "app/ app/cache/ app/cache/c=c app/link->bin data/ etc/ etc/conf=v2\n\n"; got != want {
		t.Errorf("extracted layer 1 = %q, want %q", got, want)
	}
}

func TestUnifiedDiff(t *testing.T) {
	a := splitLines("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")
	b := splitLines("1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\neleven")
	want := "--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n@@ -8,3 +8,4 @@\n 8\n 9\n 10\n+eleven\n\\ No newline at end of file\n"
	if got := unifiedDiff("a", "b", a, b); got != want {
		t.Errorf("unifiedDiff =\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("a", "b", a, a); got != "" {
		t.Errorf("unifiedDiff of equal texts = %q", got)
	}
}
