package tutorials

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Lesson is one guided lesson: steps the learner does in order.
type Lesson struct {
	Name    string // from the file name: "01-first-container.md" is "first-container"
	File    string // "lessons/01-first-container.md", for errors
	Title   string
	Summary string
	Steps   []Step
}

// Step is one thing to do: what happens underneath, the commands to try,
// and the checks that say it was done.
type Step struct {
	Title    string
	Text     []string // paragraphs; a paragraph starting "- " is a list item
	Commands []string
	Checks   []Check
}

//go:embed lessons/*.md
var files embed.FS

// All is every embedded lesson, in file-name order. A lesson file that
// does not parse is a bug the tests catch; All reports it too.
func All() ([]*Lesson, error) {
	names, err := fs.Glob(files, "lessons/*.md")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Lesson
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		l, err := Parse(n, b)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Find is the embedded lesson named name.
func Find(name string) (*Lesson, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	for _, l := range all {
		if l.Name == name {
			return l, nil
		}
	}
	var names []string
	for _, l := range all {
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("no lesson %q (the lessons are %s)", name, strings.Join(names, ", "))
}

// Parse reads one lesson file (the format is in doc.go). file names the
// lesson in errors, which are one line: "lessons/x.md: step 2 "Run it":
// check "runing a": unknown kind runing".
func Parse(file string, b []byte) (*Lesson, error) {
	l := &Lesson{File: file, Name: lessonName(file)}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...))
	}
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return nil, errf("starts with --- and a front matter (title:, summary:)")
	}
	i := 1
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "---"; i++ {
		k, v, ok := strings.Cut(lines[i], ":")
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		if !ok {
			return nil, errf("front matter line %d: want key: value", i+1)
		}
		switch strings.TrimSpace(k) {
		case "title":
			l.Title = strings.TrimSpace(v)
		case "summary":
			l.Summary = strings.TrimSpace(v)
		default:
			return nil, errf("front matter: unknown key %q (title, summary)", strings.TrimSpace(k))
		}
	}
	if i == len(lines) {
		return nil, errf("the front matter has no closing ---")
	}
	if l.Title == "" || l.Summary == "" {
		return nil, errf("the front matter needs a title: and a summary:")
	}
	var st *stepParser
	for n, line := range lines[i+1:] {
		lineNo := i + 2 + n
		if t, ok := strings.CutPrefix(line, "## "); ok && (st == nil || !st.inCode) {
			if st != nil {
				if err := st.finish(); err != nil {
					return nil, errf("%v", err)
				}
				l.Steps = append(l.Steps, st.s)
			}
			st = &stepParser{n: len(l.Steps) + 1, s: Step{Title: strings.TrimSpace(t)}}
			continue
		}
		if st == nil {
			if strings.TrimSpace(line) != "" {
				return nil, errf("line %d: text before the first step (## Title)", lineNo)
			}
			continue
		}
		if err := st.line(line); err != nil {
			return nil, errf("%v", err)
		}
	}
	if st == nil {
		return nil, errf("no steps (## Title)")
	}
	if err := st.finish(); err != nil {
		return nil, errf("%v", err)
	}
	l.Steps = append(l.Steps, st.s)
	return l, nil
}

// lessonName is the file's base name without .md and a numeric prefix.
func lessonName(file string) string {
	n := strings.TrimSuffix(path.Base(file), ".md")
	if i := strings.IndexByte(n, '-'); i > 0 && strings.Trim(n[:i], "0123456789") == "" {
		n = n[i+1:]
	}
	return n
}

// stepParser collects one step's lines.
type stepParser struct {
	n      int
	s      Step
	para   []string
	inCode bool
}

func (p *stepParser) where() string { return fmt.Sprintf("step %d %q", p.n, p.s.Title) }

func (p *stepParser) line(line string) error {
	trimmed := strings.TrimSpace(line)
	if p.inCode {
		if trimmed == "```" {
			p.inCode = false
		} else if trimmed != "" {
			p.s.Commands = append(p.s.Commands, trimmed)
		}
		return nil
	}
	switch {
	case strings.HasPrefix(trimmed, "```"):
		if lang := strings.TrimPrefix(trimmed, "```"); lang != "sh" {
			return fmt.Errorf("%s: a command block is ```sh, not ```%s", p.where(), lang)
		}
		p.flush()
		p.inCode = true
	case strings.HasPrefix(trimmed, "check:"):
		p.flush()
		c, err := parseCheck(strings.TrimSpace(strings.TrimPrefix(trimmed, "check:")))
		if err != nil {
			return fmt.Errorf("%s: %v", p.where(), err)
		}
		p.s.Checks = append(p.s.Checks, c)
	case trimmed == "":
		p.flush()
	case strings.HasPrefix(trimmed, "- "):
		p.flush()
		p.para = append(p.para, trimmed)
	default:
		p.para = append(p.para, trimmed)
	}
	return nil
}

func (p *stepParser) flush() {
	if len(p.para) > 0 {
		p.s.Text = append(p.s.Text, strings.Join(p.para, " "))
		p.para = nil
	}
}

func (p *stepParser) finish() error {
	p.flush()
	switch {
	case p.inCode:
		return fmt.Errorf("%s: a ```sh block is not closed", p.where())
	case p.s.Title == "":
		return fmt.Errorf("step %d: no title after ##", p.n)
	case len(p.s.Text) == 0:
		return fmt.Errorf("%s: no text: say what happens underneath", p.where())
	case len(p.s.Checks) == 0:
		return fmt.Errorf("%s: no check: lines", p.where())
	}
	return nil
}
