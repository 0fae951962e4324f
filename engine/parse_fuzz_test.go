package engine

import (
	"strings"
	"testing"
)

// FuzzParseBind: any -v value parses or fails with one line, never panics.
func FuzzParseBind(f *testing.F) {
	for _, s := range []string{"/data", "/src:/dst", "/src:/dst:ro", "vol:/dst:rw,nocopy", ":/x", "a:b:c:d", "rel:/x", "/x:", "::", "/a:/b:z,shared", "\x00:/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mp, err := parseBind(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("parseBind(%q) error is not one line: %q", s, err)
			}
			return
		}
		if !strings.HasPrefix(mp.Destination, "/") {
			t.Fatalf("parseBind(%q) = destination %q, not absolute", s, mp.Destination)
		}
	})
}

// FuzzParseMountFlag: any --mount value parses or fails with one line.
func FuzzParseMountFlag(f *testing.F) {
	for _, s := range []string{"type=bind,src=/a,dst=/b", "type=volume,source=v,target=/d,volume-label=a=b", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777", "readonly=maybe", "type=bind", ",,,", "target=/x,bind-propagation=shared"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMountFlag(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseMountFlag(%q) error is not one line: %q", s, err)
			}
			return
		}
		if m.Target == "" {
			t.Fatalf("ParseMountFlag(%q) accepted without a target", s)
		}
	})
}
