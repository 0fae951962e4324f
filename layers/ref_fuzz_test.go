package layers

import (
	"strings"
	"testing"
)

// FuzzNormalizeRef: any reference normalizes or fails with one line; a
// normalized one normalizes to itself.
func FuzzNormalizeRef(f *testing.F) {
	for _, s := range []string{"busybox", "library/busybox:1.36", "localhost:5000/x", "ghcr.io/a/b@sha256:" + strings.Repeat("a", 64), "UPPER", "a:b:c", "", "x@sha256:zz", "127.0.0.1:5000/a/b/c:tag"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		full, err := NormalizeRef(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("NormalizeRef(%q) error is not one line: %q", s, err)
			}
			return
		}
		again, err := NormalizeRef(full)
		if err != nil || again != full {
			t.Fatalf("NormalizeRef(%q) = %q, which normalizes to %q, %v", s, full, again, err)
		}
	})
}
