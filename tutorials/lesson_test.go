package tutorials

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbeddedLessons parses every embedded lesson: a mistake in a lesson
// file fails here, naming the file and the step.
func TestEmbeddedLessons(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatalf("All() = %v", err)
	}
	if len(all) < 4 {
		t.Fatalf("All() = %d lessons, want 4 or more", len(all))
	}
	names := map[string]bool{}
	for _, l := range all {
		if names[l.Name] {
			t.Errorf("two lessons are named %s", l.Name)
		}
		names[l.Name] = true
		if n := len(l.Steps); n < 4 || n > 7 {
			t.Errorf("%s: %d steps, want 4 to 7", l.File, n)
		}
		for i, s := range l.Steps {
			for _, c := range s.Checks {
				if c.Describe() == "" {
					t.Errorf("%s: step %d: check %s reads as nothing", l.File, i+1, c)
				}
			}
			for _, cmd := range s.Commands {
				if strings.HasPrefix(cmd, "docker ") || strings.Contains(cmd, "docker.io") {
					t.Errorf("%s: step %d: %q: lessons use berth and the local busybox only", l.File, i+1, cmd)
				}
			}
		}
	}
	if _, err := Find("first-container"); err != nil {
		t.Errorf("Find(first-container) = %v", err)
	}
	if _, err := Find("nope"); err == nil || !strings.Contains(err.Error(), "first-container") {
		t.Errorf("Find(nope) = %v, want an error listing the lessons", err)
	}
}

func TestParse(t *testing.T) {
	l, err := Parse("lessons/07-demo.md", []byte(`---
title: Demo
summary: a demo
---

## One

Line one
continues.

- an item

`+"```sh\nberth run -d --name a busybox sleep 9\nberth ps\n```"+`

check: running a
check: memory-limit a <=64m
check: exec a echo hi there

## Two

Text.

check: absent a
`))
	if err != nil {
		t.Fatalf("Parse = %v", err)
	}
	if l.Name != "demo" || l.Title != "Demo" || len(l.Steps) != 2 {
		t.Fatalf("Parse = %+v", l)
	}
	s := l.Steps[0]
	if got := strings.Join(s.Text, "|"); got != "Line one continues.|- an item" {
		t.Errorf("text = %q", got)
	}
	if len(s.Commands) != 2 || s.Commands[1] != "berth ps" {
		t.Errorf("commands = %q", s.Commands)
	}
	if got := s.Checks[2].Describe(); got != "`echo hi there` ran in a (exec)" {
		t.Errorf("exec check reads %q", got)
	}
	if got := s.Checks[1].Describe(); got != "a's memory limit is at most 64m" {
		t.Errorf("memory-limit check reads %q", got)
	}
}

// TestParseErrors checks that each mistake is one line naming the file
// and, inside a step, the step.
func TestParseErrors(t *testing.T) {
	head := "---\ntitle: T\nsummary: S\n---\n\n"
	tests := []struct{ name, text, want string }{
		{"no front matter", "## A\ntext\ncheck: running a\n", "x.md: starts with ---"},
		{"unclosed front matter", "---\ntitle: T\n", "x.md: the front matter has no closing ---"},
		{"no summary", "---\ntitle: T\n---\n## A\nt\ncheck: running a\n", "needs a title: and a summary:"},
		{"unknown key", "---\ntitle: T\nsummary: S\nlevel: 2\n---\n", `unknown key "level"`},
		{"no steps", head, "x.md: no steps"},
		{"text before steps", head + "hello\n## A\nt\ncheck: running a\n", "x.md: line 6: text before the first step"},
		{"unknown kind", head + "## Run it\nt\ncheck: runing a\n", `x.md: line 8: step 1 "Run it": check "runing a": unknown kind runing`},
		{"missing argument", head + "## A\nt\ncheck: running a\n## B\nt\ncheck: hostname a\n", `x.md: line 11: step 2 "B": check "hostname a": want hostname CONTAINER NAME`},
		{"too many arguments", head + "## A\nt\ncheck: running a b\n", `step 1 "A": check "running a b": want running CONTAINER`},
		{"bad exit code", head + "## A\nt\ncheck: exited a x\n", `"x" is not a number`},
		{"bad size", head + "## A\nt\ncheck: memory-limit a lots\n", `"lots" is not a size`},
		{"bad namespace", head + "## A\nt\ncheck: shares a uts b\n", `namespace "uts": want pid, net or ipc`},
		{"bad view", head + "## A\nt\ncheck: opened top a\n", `view "top": want one of logs`},
		{"bad layers", head + "## A\nt\ncheck: layers img 0\n", `"0" is not a number above 0`},
		{"no check", head + "## A\nt\n", `step 1 "A": no check: lines`},
		{"no text", head + "## A\ncheck: running a\n", `step 1 "A": no text`},
		{"unclosed block", head + "## A\nt\n```sh\nberth ps\ncheck: running a\n", "a ```sh block is not closed"},
		{"other block", head + "## A\nt\n```bash\nls\n```\ncheck: running a\n", "a command block is ```sh, not ```bash"},
		{"empty check", head + "## A\nt\ncheck:\n", "check: is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.md", []byte(tt.text))
			if err == nil {
				t.Fatalf("Parse = nil, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Parse = %q, want one line with %q", err, tt.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth", "lessons.json")
	p, err := LoadProgress(path)
	if err != nil || len(p) != 0 {
		t.Fatalf("LoadProgress(missing) = %v, %v", p, err)
	}
	p["first-container"] = 3
	if err := p.Save(path); err != nil {
		t.Fatalf("Save(%s) = %v", path, err)
	}
	q, err := LoadProgress(path)
	if err != nil || q["first-container"] != 3 {
		t.Fatalf("LoadProgress = %v, %v", q, err)
	}
	l, _ := Find("first-container")
	q[l.Name] = 99
	if got := q.Step(l); got != len(l.Steps) {
		t.Errorf("Step with 99 done = %d, want %d", got, len(l.Steps))
	}
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	if got := ProgressPath(); got != "/cfg/berth/lessons.json" {
		t.Errorf("ProgressPath() = %q", got)
	}
}
