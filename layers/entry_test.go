package layers

import (
	"archive/tar"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

// An entry name is taken up to the kernel's PATH_MAX less its NUL (4095
// bytes) and refused beyond, with one clear error.
func TestCheckEntryNameLength(t *testing.T) {
	dirs := strings.Repeat(strings.Repeat("d", 255)+"/", 15) // 3840 bytes
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{dirs + strings.Repeat("f", 255), true},  // 4095
		{dirs + strings.Repeat("f", 256), false}, // 4096
	} {
		_, err := checkEntry(&tar.Header{Name: tt.name, Typeflag: tar.TypeReg}, newEntrySet())
		if tt.ok && err != nil {
			t.Errorf("checkEntry(a name of %d bytes) = %v, want it accepted", len(tt.name), err)
		}
		if !tt.ok && (!errdefs.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "name longer than 4095 bytes")) {
			t.Errorf("checkEntry(a name of %d bytes) = %v, want refused as longer than 4095 bytes", len(tt.name), err)
		}
	}
}

// Names a layer may not carry are refused by checkEntry, whoever unpacks
// them next: a whiteout of no name, of "." or of ".." (which would remove
// the directory itself or its parent), and a NUL anywhere in a name,
// first byte included.
func TestCheckEntryRefusesNames(t *testing.T) {
	for name, why := range map[string]string{
		".wh.":        "whiteout of an empty name",
		"dir/.wh.":    "whiteout of an empty name",
		".wh..":       `whiteout of "."`,
		"dir/.wh...":  `whiteout of ".."`,
		"\x00etc":     "NUL byte",
		"etc/\x00":    "NUL byte",
		"/etc/passwd": "absolute path",
	} {
		_, err := checkEntry(&tar.Header{Name: name, Typeflag: tar.TypeReg}, newEntrySet())
		if !errdefs.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), why) {
			t.Errorf("checkEntry(%q) = %v, want refused: %s", name, err, why)
		}
	}
}
