package engine

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestVolumeOptions_parity5: docker's local driver rules for -o, and mount
// options split into flags and file-system data as mount(8) does.
func TestVolumeOptions_parity5(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		want string // "" when valid
	}{
		{nil, ""},
		{map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}, ""},
		{map[string]string{"type": "none", "device": "/srv", "o": "bind"}, ""},
		{map[string]string{"type": "tmpfs", "device": "tmpfs"}, ""},
		{map[string]string{"size": "1m"}, `invalid option: "size"`},
		{map[string]string{"type": "tmpfs"}, `missing required option: "device"`},
		{map[string]string{"device": "/x"}, `missing required option: "type"`},
		{map[string]string{"o": "bind", "device": "/x"}, `missing required option: "type"`},
		{map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m\x00"}, "NUL"},
	} {
		err := checkVolumeOptions("v", c.opts)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("checkVolumeOptions(%q) = %v, want %q", c.opts, err, c.want)
		}
	}
	for _, c := range []struct {
		o     string
		flags uintptr
		data  string
	}{
		{"size=10m,uid=1000", 0, "size=10m,uid=1000"},
		{"bind,ro", unix.MS_BIND | unix.MS_RDONLY, ""},
		{"rbind", unix.MS_BIND | unix.MS_REC, ""},
		{"ro,rw,nosuid,nodev,mode=1777", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
		{"", 0, ""},
	} {
		flags, data := parseMountOptions(c.o)
		if flags != c.flags || data != c.data {
			t.Errorf("parseMountOptions(%q) = %#x %q, want %#x %q", c.o, flags, data, c.flags, c.data)
		}
	}
}
