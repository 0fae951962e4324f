package build

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

var errLine = regexp.MustCompile(`^Dockerfile:[1-9][0-9]*: \S`)

// FuzzParse: the Dockerfile front end (parse, instructions, ONBUILD
// triggers, word expansion as the builder does it) never panics, and
// every error is one line that names Dockerfile:LINE. `go test` runs the
// seeds (the corpus under testdata and the cases below); `go test -fuzz
// FuzzParse ./build/` searches further.
func FuzzParse(f *testing.F) {
	dfs, _ := filepath.Glob(filepath.Join("testdata", "*", "Dockerfile"))
	for _, p := range dfs {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "\n", "FROM", "RUN x", "ARG x\n", "FROM busybox\nFROBNICATE x\n", "FROM busybox\nCOPY --bogus=1 a b\n",
		"FROM a AS b\nFROM b AS b\n", "FROM busybox\nRUN <<EOF\nx\n", "FROM busybox\nCOPY <<EOF /x\n",
		"# syntax=x\nFROM a\n", "FROM a\nONBUILD ONBUILD RUN x\n", "FROM a\nENV A=${B:-${C:+\\$}}\n",
		"FROM a\nHEALTHCHECK --interval=-1s CMD x\n", "FROM a\nEXPOSE 70000/xyz\n", "\\\nFROM a\n",
		"FROM a\nRUN \\\n\\\n", "FROM a\nARG\n", "FROM ${X:?must\nbe set}\n", "FROM a\nLABEL \"a\nb\"=c\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := Parse("Dockerfile", data)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") || !errLine.MatchString(msg) {
				t.Fatalf("Parse(%q) error %q: want one line starting Dockerfile:LINE:", data, msg)
			}
			return
		}
		for _, st := range df.Stages {
			df.Stage(st.Name)
			for _, c := range st.Commands {
				_ = fmt.Sprint(c)
				if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
					lex := shell.NewLex('\\')
					_ = ex.Expand(func(w string) (string, error) {
						out, _, err := lex.ProcessWord(w, shell.EnvsFromSlice([]string{"A=1", "B="}))
						return out, err
					})
				}
				if ob, ok := c.(*instructions.OnbuildCommand); ok {
					Triggers([]string{ob.Expression})
				}
			}
		}
	})
}
