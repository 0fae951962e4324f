package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type fmtRow struct{}

func (fmtRow) ID() string        { return "abc" }
func (fmtRow) Names() []string   { return []string{"web", "<db>"} }
func (fmtRow) Command() string   { return "sh -c 'a&b'" }
func (fmtRow) Labels() string    { return "a=1,b=2" }
func (fmtRow) Empty() string     { return "" }
func (fmtRow) Size() int64       { return 42 }
func (fmtRow) Ports() []struct{} { return nil }

// TestFormatFunctions: --format has docker's functions with docker's
// behaviour (docker/cli's templates package).
func TestFormatFunctions(t *testing.T) {
	for _, c := range []struct{ format, want string }{
		{`{{json .Names}}`, `["web","<db>"]`}, // no HTML escaping, as docker
		{`{{json .Command}}`, `"sh -c 'a&b'"`},
		{`{{join .Names ", "}}`, `web, <db>`},
		{`{{split .Labels ","}}`, `[a=1 b=2]`},
		{`{{range split .Labels ","}}[{{.}}]{{end}}`, `[a=1][b=2]`},
		{`{{upper .ID}} {{lower "ABC"}} {{title .ID}}`, `ABC abc Abc`},
		{`|{{pad .ID 1 2}}|{{pad .Empty 1 2}}|`, `| abc  ||`},
		{`{{truncate .ID 2}} {{truncate .ID 9}}`, `ab abc`},
		{`{{.ID}}\t{{.Size}}`, "abc\t42"},
	} {
		var b bytes.Buffer
		if err := (listFormat{}).write(&b, c.format, []any{fmtRow{}}); err != nil {
			t.Errorf("format %s: %v", c.format, err)
			continue
		}
		if got := strings.TrimSuffix(b.String(), "\n"); got != c.want {
			t.Errorf("format %s = %q, want %q", c.format, got, c.want)
		}
	}
}

func TestFormatTable(t *testing.T) {
	var b bytes.Buffer
	lf := listFormat{Table: "table {{.ID}}\t{{.Size}}", Headers: map[string]string{"ID": "CONTAINER ID"}}
	if err := lf.write(&b, "table", []any{fmtRow{}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "CONTAINER ID") || !strings.HasPrefix(lines[1], "abc") {
		t.Errorf("table = %q", b.String())
	}
	if err := lf.write(&b, "{{.Nope", []any{fmtRow{}}); err == nil || !strings.Contains(err.Error(), "invalid --format template") {
		t.Errorf("bad template: %v", err)
	}
}

// TestEnvFile: --env-file follows docker's kvfile rules.
func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	t.Setenv("BERTH_TEST_FROM_CALLER", "caller")
	good := write("good", "\xEF\xBB\xBFA=1\n  # comment\n\nB=two words  \nBERTH_TEST_FROM_CALLER\nBERTH_TEST_UNSET_XYZ\nC=\nQ=\"quoted\"\n")
	got, err := readEnvFile(good)
	want := []string{"A=1", "B=two words  ", "BERTH_TEST_FROM_CALLER=caller", "C=", `Q="quoted"`}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("readEnvFile = %q, %v; want %q", got, err, want)
	}
	for name, content := range map[string]string{
		"space":  "BAD KEY=1\n",
		"nokey":  "=value\n",
		"binary": "A=\xff\xfe\n",
	} {
		if _, err := readEnvFile(write(name, content)); err == nil || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("readEnvFile(%s) = %v, want a one-line error", name, err)
		}
	}
	if _, err := readEnvFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("readEnvFile of a missing file succeeded")
	}
}
