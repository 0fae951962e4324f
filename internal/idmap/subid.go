package idmap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/berthdev/berth/internal/atomicfile"
)

// Files are where the subordinate ID ranges are read from, shadow-utils'
// /etc/subuid and /etc/subgid unless told otherwise.
type Files struct{ UID, GID string }

// DefaultFiles are the host's.
var DefaultFiles = Files{UID: "/etc/subuid", GID: "/etc/subgid"}

// Ranges are the ranges file grants to user: lines "NAME:START:COUNT"
// whose NAME is the user's name or, as shadow-utils allows, its numeric
// uid (uid "" matches no number). A missing file grants nothing.
func Ranges(file, user, uid string) ([]Range, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Range
	for _, l := range parseLines(data) {
		if l.name == user || (uid != "" && l.name == uid) {
			out = append(out, l.Range)
		}
	}
	return out, nil
}

type line struct {
	name string
	Range
}

// parseLines reads the well-formed lines of a subid file; others (comments,
// junk) are skipped here, as shadow-utils skips them, and kept on rewrite.
func parseLines(data []byte) []line {
	var out []line
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(f) != 3 || f[0] == "" {
			continue
		}
		start, err1 := strconv.ParseUint(f[1], 10, 32)
		size, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || size == 0 || start+size > math.MaxUint32 {
			continue
		}
		out = append(out, line{f[0], Range{uint32(start), uint32(size)}})
	}
	return out
}

// Plan returns user's ranges in file and, when there are none, the range
// it would add for size IDs and add, which appends it: the range starts at
// firstFree or past every range the file grants anyone, on a 65536
// boundary, and the file's other lines are kept byte for byte (temp file,
// fsync, rename, keeping the file's mode). Nothing is written until add
// is called; add writes nothing when the user had ranges. Another program
// editing the file between Plan and add loses its change; berth calls
// both under its store lock.
func Plan(file, user string, size uint32) ([]Range, func() error, error) {
	none := func() error { return nil }
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	lines := parseLines(data)
	var mine []Range
	for _, l := range lines {
		if l.name == user {
			mine = append(mine, l.Range)
		}
	}
	if len(mine) > 0 {
		return mine, none, nil
	}
	start := uint64(firstFree)
	for _, l := range lines {
		start = max(start, end(l.Start, l.Size))
	}
	start = (start + 65535) &^ 65535
	if start+uint64(size) > math.MaxUint32 {
		return nil, nil, fmt.Errorf("%s: no room for %d more IDs", file, size)
	}
	r := Range{uint32(start), size}
	add := func() error {
		out := data
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
		out = fmt.Appendf(out, "%s:%d:%d\n", user, r.Start, r.Size)
		perm := fs.FileMode(0o644)
		if st, err := os.Stat(file); err == nil {
			perm = st.Mode().Perm()
		}
		if err := atomicfile.WriteFile(file, out, perm); err != nil {
			return fmt.Errorf("adding %s's subordinate IDs to %s: %w", user, file, err)
		}
		return nil
	}
	return []Range{r}, add, nil
}

// firstFree is where shadow-utils' useradd starts handing out ranges.
const firstFree = 100000
