package idmap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
	"golang.org/x/sys/unix"
)

func TestUserns2ParseFormat(t *testing.T) {
	ms, err := Parse("0:100000:65536, 65536:200000:1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Map{{0, 100000, 65536}, {65536, 200000, 1}}
	if len(ms) != 2 || ms[0] != want[0] || ms[1] != want[1] {
		t.Fatalf("Parse = %v, want %v", ms, want)
	}
	if got := Format(ms); got != "0:100000:65536,65536:200000:1" {
		t.Fatalf("Format = %q", got)
	}
	for _, bad := range []string{"", "0:1", "0:1:2:3", "a:1:2", "-1:0:1", "0:4294967296:1", "0:1:2,", " : : "} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error of several lines: %q", bad, err)
		}
	}
}

func TestUserns2Check(t *testing.T) {
	ok := []Map{{0, 100000, 65536}, {65536, 300000, 10}}
	if err := Check(ok); err != nil {
		t.Fatalf("Check(%v): %v", ok, err)
	}
	// Touching ranges do not overlap.
	if err := Check([]Map{{0, 100, 10}, {10, 110, 10}}); err != nil {
		t.Fatalf("adjacent ranges refused: %v", err)
	}
	cases := map[string][]Map{
		"no ID map":                    nil,
		"size 0":                       {{0, 100000, 0}},
		"runs past ID":                 {{0, 4294967295 - 10, 11}},
		"runs past ID 4294967294":      {{4294967290, 0, 6}},
		"overlap inside the container": {{0, 100000, 10}, {5, 200000, 10}},
		"overlap on the host":          {{0, 100000, 10}, {10, 100009, 10}},
	}
	for want, ms := range cases {
		err := Check(ms)
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(want, " 4294967294")) {
			t.Errorf("Check(%v) = %v, want %q", ms, err, want)
		}
	}
	// The last valid range ends just before (uid_t)-1.
	if err := Check([]Map{{0, 4294967295 - 10, 10}}); err != nil {
		t.Errorf("range ending at 4294967294 refused: %v", err)
	}
	many := make([]Map, MaxLines+1)
	for i := range many {
		many[i] = Map{uint32(i), uint32(100000 + i), 1}
	}
	if err := Check(many); err == nil || !strings.Contains(err.Error(), "over the kernel's") {
		t.Errorf("Check of %d lines = %v", len(many), err)
	}
	if err := Check(many[:MaxLines]); err != nil {
		t.Errorf("Check of %d lines: %v", MaxLines, err)
	}
}

func TestUserns2Translate(t *testing.T) {
	ms := []Map{{0, 100000, 1000}, {1000, 500000, 10}}
	for _, c := range []struct {
		in, out uint32
		ok      bool
	}{{0, 100000, true}, {999, 100999, true}, {1000, 500000, true}, {1009, 500009, true}, {1010, 0, false}} {
		got, ok := ToHost(ms, c.in)
		if ok != c.ok || got != c.out {
			t.Errorf("ToHost(%d) = %d, %v; want %d, %v", c.in, got, ok, c.out, c.ok)
		}
		if c.ok {
			back, ok := ToContainer(ms, got)
			if !ok || back != c.in {
				t.Errorf("ToContainer(%d) = %d, %v; want %d", got, back, ok, c.in)
			}
		}
	}
	if _, ok := ToContainer(ms, 0); ok {
		t.Errorf("host root maps into the container")
	}
	// No wrap at the top of the ID space.
	top := []Map{{4294967285, 0, 10}}
	if _, ok := ToHost(top, 4294967295); ok {
		t.Errorf("(uid_t)-1 mapped")
	}
}

func TestUserns2Within(t *testing.T) {
	grants := []Range{{200000, 65536}, {100000, 65536}, {165536, 34464}}
	if m, ok := Within([]Map{{0, 100000, 65536 + 65536 + 34464}}, grants); !ok {
		t.Fatalf("range spanning adjacent grants refused at %v", m)
	}
	if m, ok := Within([]Map{{0, 100000, 10}, {10, 99999, 1}}, grants); ok || m != (Map{10, 99999, 1}) {
		t.Fatalf("Within = %v, %v; want the range below every grant", m, ok)
	}
	if _, ok := Within([]Map{{0, 265535, 2}}, grants); ok {
		t.Fatalf("range running past the last grant accepted")
	}
	if _, ok := Within([]Map{{0, 0, 1}}, nil); ok {
		t.Fatalf("host root accepted with no grants")
	}
	if !Overlaps([]Map{{0, 100000, 10}}, []Map{{0, 100009, 1}}) || Overlaps([]Map{{0, 100000, 10}}, []Map{{0, 100010, 1}}) {
		t.Fatalf("Overlaps wrong at the edge")
	}
}

func write(t *testing.T, name, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(s), 0o640); err != nil {
		t.Fatal(err)
	}
	return p
}

// Hostile or broken lines grant nothing and break nothing.
func TestUserns2RangesHostile(t *testing.T) {
	f := write(t, "subuid", strings.Join([]string{
		"# comment",
		"berth:100000:65536",
		"berth:0:0",              // empty
		"berth:4294967000:1000",  // past the ID space
		"berth:-1:10",            // negative
		"berth:1:2:3",            // too many fields
		":300000:10",             // no name
		"berthx:400000:10",       // another user, prefix of ours
		"xberth:500000:10",       // another user, suffix
		"berth:99999999999999:1", // overflow
		"1000:600000:65536",      // by uid
		"  berth:700000:10  ",    // blanks around are fine
		"berth:800000:18446744073709551615",
		"\x00berth:900000:10",
	}, "\n"))
	rs, err := Ranges(f, "berth", "1000")
	if err != nil {
		t.Fatal(err)
	}
	want := []Range{{100000, 65536}, {600000, 65536}, {700000, 10}}
	if len(rs) != len(want) {
		t.Fatalf("Ranges = %v, want %v", rs, want)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Fatalf("Ranges = %v, want %v", rs, want)
		}
	}
	rs, err = Ranges(f, "berth", "")
	if err != nil || len(rs) != 2 {
		t.Fatalf("Ranges with no uid = %v, %v; the empty uid matched a line", rs, err)
	}
	if rs, err := Ranges(filepath.Join(t.TempDir(), "none"), "berth", "0"); err != nil || rs != nil {
		t.Fatalf("missing file: %v, %v", rs, err)
	}
}

func TestUserns2PlanAdd(t *testing.T) {
	orig := "# keep me\nalice:100000:65536\njunk line\nbob:165536:65536"
	f := write(t, "subuid", orig)
	rs, add, err := Plan(f, "berth", 65536)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0] != (Range{262144, 65536}) {
		t.Fatalf("Plan = %v, want past every range on a 65536 boundary", rs)
	}
	if data, _ := os.ReadFile(f); string(data) != orig {
		t.Fatalf("Plan wrote before add: %q", data)
	}
	if err := add(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f)
	if string(data) != orig+"\nberth:262144:65536\n" {
		t.Fatalf("after add: %q", data)
	}
	if st, _ := os.Stat(f); st.Mode().Perm() != 0o640 {
		t.Fatalf("add changed the mode to %v", st.Mode().Perm())
	}
	// Nothing else is left in the directory (the temp file was renamed).
	if ents, _ := os.ReadDir(filepath.Dir(f)); len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
	// A second plan finds the entry and adds nothing.
	rs, add, err = Plan(f, "berth", 65536)
	if err != nil || len(rs) != 1 || rs[0] != (Range{262144, 65536}) {
		t.Fatalf("second Plan = %v, %v", rs, err)
	}
	if err := add(); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(f); string(again) != string(data) {
		t.Fatalf("second add wrote: %q", again)
	}
}

func TestUserns2PlanEmptyAndFull(t *testing.T) {
	f := filepath.Join(t.TempDir(), "subgid")
	rs, add, err := Plan(f, "berth", 65536)
	if err != nil || len(rs) != 1 || rs[0] != (Range{131072, 65536}) {
		t.Fatalf("Plan on no file = %v, %v", rs, err)
	}
	if err := add(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("new file: %v, %v", st, err)
	}
	full := write(t, "subuid", "root:4294900000:60000\n")
	if _, _, err := Plan(full, "berth", 65536); err == nil || !strings.Contains(err.Error(), "no room") {
		t.Fatalf("Plan on a full ID space = %v", err)
	}
}

func TestUserns2ReadProc(t *testing.T) {
	ms, err := ReadProc("/proc/self/uid_map")
	if err != nil || len(ms) == 0 {
		t.Fatalf("ReadProc: %v, %v", ms, err)
	}
	f := write(t, "uid_map", "         0     100000      65536\n      65536    300000          1\n")
	ms, err = ReadProc(f)
	if err != nil || len(ms) != 2 || ms[1] != (Map{65536, 300000, 1}) {
		t.Fatalf("ReadProc = %v, %v", ms, err)
	}
}

// An idmapped mount shows a file owned by 0 on disk as owned by the
// map's host ID, and a file created through it is written with the
// container ID on disk.
func TestUserns2IDMappedMount(t *testing.T) {
	testutil.RequiresRoot(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m := []Map{{0, 100000, 65536}}
	u, err := NewUserns(m, m)
	if err != nil {
		testutil.Unavailable(t, "user namespace: %v", err)
	}
	defer u.Close()
	mnt, err := u.IDMapped(dir)
	if err != nil {
		testutil.Unavailable(t, "%v", err)
	}
	defer mnt.Close()
	st := func(p string) (uint32, uint32) {
		t.Helper()
		var s unix.Stat_t
		if err := unix.Lstat(p, &s); err != nil {
			t.Fatal(err)
		}
		return s.Uid, s.Gid
	}
	if uid, gid := st(mnt.Path() + "/f"); uid != 100000 || gid != 100000 {
		t.Fatalf("through the map: %d:%d, want 100000:100000", uid, gid)
	}
	// An on-disk ID outside the map's container range is shown as the
	// overflow ID, never as itself.
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, "d"), 100005, 100005); err != nil {
		t.Fatal(err)
	}
	if uid, _ := st(mnt.Path() + "/d"); uid != 65534 {
		t.Fatalf("unmapped on-disk ID shown as %d, want 65534", uid)
	}
}
