package inspect

import (
	"os"
	"reflect"
	"testing"
)

func TestParseMountinfo(t *testing.T) {
	in := "36 35 0:31 / / rw,relatime - overlay overlay rw,lowerdir=/s/b:/s/a,upperdir=/c/upper,workdir=/c/work\n" +
		"37 36 0:5 /my\\040dir /mnt/with\\040space rw - tmpfs tmpfs rw\n"
	ms, err := parseMountinfo(in)
	if err != nil {
		t.Fatalf("parseMountinfo = %v", err)
	}
	if len(ms) != 2 || ms[0].Target != "/" || ms[0].FSType != "overlay" || ms[1].Target != "/mnt/with space" || ms[1].Root != "/my dir" || ms[1].ParentID != 36 {
		t.Fatalf("parseMountinfo = %+v", ms)
	}
	lower, upper, work := OverlayDirs(ms[0].SuperOptions)
	if !reflect.DeepEqual(lower, []string{"/s/b", "/s/a"}) || upper != "/c/upper" || work != "/c/work" {
		t.Errorf("OverlayDirs = %v %q %q", lower, upper, work)
	}
	if _, err := parseMountinfo("garbage\n"); err == nil {
		t.Error("parseMountinfo(garbage) = nil error")
	}
}

func TestDecodeCaps(t *testing.T) {
	tests := []struct {
		hex  string
		want []string
	}{
		{"0000000000000000", []string{}},
		{"0000000000000001", []string{"CAP_CHOWN"}},
		{"0000000000200000", []string{"CAP_SYS_ADMIN"}},
		{"0000010000000000", []string{"CAP_CHECKPOINT_RESTORE"}},
		{"0000020000000000", []string{"CAP_41"}},
	}
	for _, tc := range tests {
		got, err := DecodeCaps(tc.hex)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeCaps(%s) = %v, %v; want %v", tc.hex, got, err, tc.want)
		}
	}
	if got, _ := DecodeCaps("00000000a80425fb"); len(got) != 14 {
		t.Errorf("docker's default set decodes to %d capabilities, want 14: %v", len(got), got)
	}
}

func TestToInside(t *testing.T) {
	m := []IDMapping{{Inside: 0, Outside: 100000, Count: 65536}}
	for _, tc := range []struct{ host, want int }{{100000, 0}, {101000, 1000}, {0, Overflow}, {165536, Overflow}} {
		if got := ToInside(m, tc.host); got != tc.want {
			t.Errorf("ToInside(%d) = %d, want %d", tc.host, got, tc.want)
		}
	}
	self, err := UIDMap(os.Getpid())
	if err != nil || ToInside(self, 0) != 0 {
		t.Errorf("UIDMap(self) = %v, %v: want the identity", self, err)
	}
}

func TestForest(t *testing.T) {
	procs := []Proc{{PID: 10, PPID: 1}, {PID: 12, PPID: 10}, {PID: 11, PPID: 10}, {PID: 20, PPID: 5}, {PID: 13, PPID: 12}}
	roots, kids := Forest(procs)
	if len(roots) != 2 || roots[0].PID != 10 || roots[1].PID != 20 {
		t.Fatalf("roots = %+v", roots)
	}
	if k := kids[10]; len(k) != 2 || k[0].PID != 11 || k[1].PID != 12 || kids[12][0].PID != 13 {
		t.Errorf("kids = %+v", kids)
	}
}

func TestNamespacesOfSelf(t *testing.T) {
	nss, err := Namespaces(os.Getpid())
	if err != nil {
		t.Fatalf("Namespaces(self) = %v", err)
	}
	for _, ns := range nss {
		if ns.Inode == 0 {
			t.Errorf("namespace %s: inode 0", ns.Type)
		}
	}
	if len(nss) < 7 {
		t.Errorf("Namespaces(self) = %d namespaces: %+v", len(nss), nss)
	}
	sec, err := ReadSecurity(os.Getpid())
	if err != nil || sec.EffectiveHex == "" {
		t.Errorf("ReadSecurity(self) = %+v, %v", sec, err)
	}
}
