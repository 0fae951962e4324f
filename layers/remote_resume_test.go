package layers

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPullResumesPartialBlob: the partial blob a dead pull left is taken
// over and only the rest asked for; a partial blob with wrong bytes is
// dropped and the blob fetched whole, in the same pull.
func TestPullResumesPartialBlob(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt bool
	}{{"good partial", false}, {"corrupt partial", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			reg := newTestRegistry(t)
			img := pushRandom(t, reg.host(), "app:v1", 1)
			md, _ := img.Digest()
			ls, _ := img.Layers()
			ld, _ := ls[0].Digest()
			rc, _ := ls[0].Compressed()
			blob, _ := io.ReadAll(rc)
			part := append([]byte{}, blob[:len(blob)/2]...)
			if tc.corrupt {
				part[len(part)/2] ^= 0xff
			}
			dead := filepath.Join(s.ingest, "pull-"+md.Hex[:24]+"-dead")
			os.MkdirAll(dead, 0o700)
			os.WriteFile(filepath.Join(dead, ".lock"), nil, 0o600)
			os.WriteFile(filepath.Join(dead, "part-"+ld.Hex+"-0"), part, 0o600)

			got, err := pull(s, reg.host()+"/app:v1")
			if err != nil || got.Digest != md.String() {
				t.Fatalf("pull over a dead pull's partial blob = %v, %v", got, err)
			}
			want := 1 // the rest only
			if tc.corrupt {
				want = 2 // the rest, then the whole blob
			}
			if n := reg.gets[ld.String()]; n != want {
				t.Errorf("blob GETs = %d, want %d", n, want)
			}
			if r := reg.ranges[ld.String()]; len(r) == 0 || r[0] != fmt.Sprintf("bytes=%d-%d", len(part), len(blob)-1) {
				t.Errorf("Range headers %q, want the rest of the blob first", r)
			}
			if entries, _ := os.ReadDir(s.ingest); len(entries) != 0 {
				t.Errorf("ingest/ keeps %d entries after the pull", len(entries))
			}
		})
	}
}
