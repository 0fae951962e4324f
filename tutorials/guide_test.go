package tutorials

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestGuideExamples loads every lesson example of the authoring guide
// (docs/lessons.md, the ````markdown blocks) with Parse, and checks that
// the guide's examples and its table use every check kind there is.
func TestGuideExamples(t *testing.T) {
	b, err := os.ReadFile("../docs/lessons.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := guideExamples(string(b))
	if len(examples) < 5 {
		t.Fatalf("the guide has %d lesson examples, want 5 or more", len(examples))
	}
	used := map[string]bool{}
	for i, ex := range examples {
		l, err := Parse(fmt.Sprintf("docs/lessons.md example %d", i+1), []byte(ex))
		if err != nil {
			t.Errorf("a guide example does not parse: %v", err)
			continue
		}
		for _, s := range l.Steps {
			for _, c := range s.Checks {
				used[c.Kind] = true
			}
		}
	}
	for _, k := range Kinds() {
		if !used[k] {
			t.Errorf("check kind %s is in no example of the guide", k)
		}
		if !strings.Contains(string(b), "| `check: "+k+" ") {
			t.Errorf("check kind %s is not in the guide's table", k)
		}
	}
}

// guideExamples are the bodies of the ````markdown blocks of a guide.
func guideExamples(doc string) []string {
	var out []string
	var cur []string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "````markdown":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "````":
			in = false
			out = append(out, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, line)
		}
	}
	return out
}
