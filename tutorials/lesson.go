package tutorials

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/berthdev/berth/internal/userconfig"
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
	// Solution is the reference solution when the commands shown are not
	// all of it ("solution:" lines); else the commands are.
	Solution []string
}

// Replay is what `lessons solve` runs for the step.
func (s Step) Replay() []string {
	if len(s.Solution) > 0 {
		return s.Solution
	}
	return s.Commands
}

//go:embed lessons/*.md
var files embed.FS

// LessonsDir is where a teacher's own lessons are read from, beside the
// embedded ones: $BERTH_LESSONS_DIR, else $XDG_CONFIG_HOME/berth/lessons
// (~/.config/berth/lessons). `berth lessons --lessons-dir DIR` sets the
// variable for its run.
func LessonsDir() string {
	if d := os.Getenv("BERTH_LESSONS_DIR"); d != "" {
		return d
	}
	return userconfig.Path("lessons")
}

// All is every embedded lesson, in file-name order, then a teacher's
// lessons (LessonsDir, *.md in file-name order). A lesson file that does
// not parse is reported with its file and line; a teacher's lesson named
// like an embedded one replaces it.
func All() ([]*Lesson, error) {
	out, err := embedded()
	if err != nil {
		return nil, err
	}
	dir := LessonsDir()
	if dir == "" {
		return out, nil
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		l, err := Parse(n, b)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(out, func(o *Lesson) bool { return o.Name == l.Name }); i >= 0 {
			out[i] = l
		} else {
			out = append(out, l)
		}
	}
	return out, nil
}

// embedded is every lesson shipped in the binary.
func embedded() ([]*Lesson, error) {
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
			return nil, errf("line %d: %v", lineNo, err)
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
	case strings.HasPrefix(trimmed, "check:"), strings.HasPrefix(trimmed, "keep:"):
		p.flush()
		kw, rest, _ := strings.Cut(trimmed, ":")
		c, err := parseCheck(strings.TrimSpace(rest))
		if err != nil {
			return fmt.Errorf("%s: %v", p.where(), err)
		}
		c.Keep = kw == "keep"
		p.s.Checks = append(p.s.Checks, c)
	case strings.HasPrefix(trimmed, "hint:") || strings.HasPrefix(trimmed, "hint "):
		p.flush()
		head, text, ok := strings.Cut(trimmed, ":")
		reason := strings.TrimSpace(strings.TrimPrefix(head, "hint"))
		text = strings.TrimSpace(text)
		switch {
		case !ok || text == "":
			return fmt.Errorf("%s: a hint line is \"hint: TEXT\" or \"hint REASON: TEXT\"", p.where())
		case len(p.s.Checks) == 0:
			return fmt.Errorf("%s: a hint follows the check: line it is for", p.where())
		case reason != "" && !slices.Contains(Reasons, reason):
			return fmt.Errorf("%s: hint reason %q: want one of %s", p.where(), reason, strings.Join(Reasons, ", "))
		}
		c := &p.s.Checks[len(p.s.Checks)-1]
		if c.Hints == nil {
			c.Hints = map[string]string{}
		}
		c.Hints[reason] = text
	case strings.HasPrefix(trimmed, "solution:"):
		p.flush()
		cmd := strings.TrimSpace(strings.TrimPrefix(trimmed, "solution:"))
		if cmd == "" {
			return fmt.Errorf("%s: solution: needs a command", p.where())
		}
		p.s.Solution = append(p.s.Solution, cmd)
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

// Objects are what a lesson's checks name: the containers, images,
// volumes and networks it makes (what `lessons reset` removes).
type Objects struct {
	Containers, Images, Volumes, Networks []string
}

// Objects lists what the lesson's checks name, each once, in order.
func (l *Lesson) Objects() Objects {
	var o Objects
	add := func(list *[]string, n string) {
		if !slices.Contains(*list, n) {
			*list = append(*list, n)
		}
	}
	for _, s := range l.Steps {
		for _, c := range s.Checks {
			switch c.Kind {
			case "image", "layers":
				add(&o.Images, c.Args[0])
			case "volume":
				add(&o.Volumes, c.Args[0])
			case "network":
				add(&o.Networks, c.Args[0])
			case "opened":
				if c.Args[0] == "layers" {
					add(&o.Images, c.Args[1])
				} else {
					add(&o.Containers, c.Args[1])
				}
			case "shares":
				add(&o.Containers, c.Args[0])
				add(&o.Containers, c.Args[2])
			default:
				add(&o.Containers, c.Args[0])
			}
		}
	}
	return o
}
