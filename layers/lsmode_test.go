package layers

import "testing"

// TestLsMode: the workbench's Permission column and `berth layers` read as ls -l does, ten characters,
// the special bits included.
func TestLsMode(t *testing.T) {
	for _, c := range []struct {
		e    FileEntry
		want string
	}{
		{FileEntry{Type: "dir", Mode: 0o755}, "drwxr-xr-x"},
		{FileEntry{Type: "file", Mode: 0o4755}, "-rwsr-xr-x"},
		{FileEntry{Type: "file", Mode: 0o2644}, "-rw-r-Sr--"},
		{FileEntry{Type: "dir", Mode: 0o1777}, "drwxrwxrwt"},
		{FileEntry{Type: "dir", Mode: 0o1770}, "drwxrwx--T"},
		{FileEntry{Type: "symlink", Mode: 0o777}, "lrwxrwxrwx"},
		{FileEntry{Type: "char", Mode: 0o666}, "crw-rw-rw-"},
		{FileEntry{Type: "block", Mode: 0o660}, "brw-rw----"},
		{FileEntry{Type: "fifo", Mode: 0o600}, "prw-------"},
		{FileEntry{Type: "hardlink", Mode: 0o400}, "-r--------"},
	} {
		if got := c.e.LsMode(); got != c.want {
			t.Errorf("LsMode(%s %o) = %q, want %q", c.e.Type, c.e.Mode, got, c.want)
		}
	}
}
