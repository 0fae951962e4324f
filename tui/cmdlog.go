package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// cmdLine is the shell command equivalent to one thing done in the
// workbench: berth's, and docker's when it differs ("" when it is the same
// with `docker` for `berth`; "-" when docker has none).
type cmdLine struct {
	Berth, Docker string
	Err           string // how it went, when it failed
}

// equivalent is the command line for a verb on containers (or images).
func equivalent(verb string, refs ...string) cmdLine {
	args := strings.Join(quoteAll(refs), " ")
	switch verb {
	case "shell":
		return cmdLine{Berth: "berth exec -it " + args + " sh"}
	case "attach":
		return cmdLine{Berth: "berth attach " + args}
	case "logs":
		return cmdLine{Berth: "berth logs -f --tail 1000 " + args}
	case "logs -t":
		return cmdLine{Berth: "berth logs -f -t --tail 1000 " + args}
	case "search":
		q, ref := refs[0], refs[1]
		return cmdLine{Berth: "berth logs " + shellQuote(ref) + " 2>&1 | grep -i " + shellQuote(q)}
	case "save":
		return cmdLine{Berth: "berth logs " + shellQuote(refs[0]) + " > " + shellQuote(refs[1])}
	case "save -t":
		return cmdLine{Berth: "berth logs -t " + shellQuote(refs[0]) + " > " + shellQuote(refs[1])}
	case "inspect":
		return cmdLine{Berth: "berth inspect " + args}
	case "diff":
		return cmdLine{Berth: "berth diff " + args}
	case "processes":
		return cmdLine{Berth: "berth inspect --processes " + args, Docker: "docker top " + args}
	case "volume ls", "network ls":
		return cmdLine{Berth: "berth " + verb}
	case "volume create", "volume rm", "network create", "network rm":
		return cmdLine{Berth: "berth " + verb + " " + args}
	case "stats":
		return cmdLine{Berth: "berth stats " + args}
	case "crash":
		return cmdLine{Berth: "berth debug --report " + args, Docker: "-"}
	case "debug":
		return cmdLine{Berth: "berth debug " + args, Docker: "-"}
	case "namespaces":
		return cmdLine{Berth: "berth inspect --namespaces " + args, Docker: "-"}
	case "history":
		return cmdLine{Berth: "berth history " + args}
	case "ps":
		return cmdLine{Berth: "berth ps -a"}
	case "ps running":
		return cmdLine{Berth: "berth ps"}
	case "ps filter":
		return cmdLine{Berth: "berth ps -a | grep -i " + shellQuote(refs[0])}
	case "images":
		return cmdLine{Berth: "berth images"}
	case "kill":
		return cmdLine{Berth: "berth kill " + args}
	}
	return cmdLine{Berth: "berth " + verb + " " + args}
}

// docker is the docker line for c.
func (c cmdLine) docker() string {
	switch {
	case c.Docker == "-":
		return ""
	case c.Docker != "":
		return c.Docker
	}
	return "docker" + strings.TrimPrefix(c.Berth, "berth")
}

func quoteAll(refs []string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = shellQuote(r)
	}
	return out
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@=+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// elideMiddle fits s into w cells by putting " … " for its middle, so the
// start (the verb) and the end (the last names) both stay readable.
func elideMiddle(s string, w int) string {
	if ansi.StringWidth(s) <= w || w < 10 {
		return s
	}
	head := (w - 3) * 2 / 3
	tail := w - 3 - head
	n := ansi.StringWidth(s)
	return ansi.Cut(s, 0, head) + " … " + ansi.Cut(s, n-tail, n)
}

// cmdLog is the pane of the commands the workbench ran, newest last.
type cmdLog struct {
	entries []cmdLine
	shown   bool
}

// maxCmdLog bounds the command log.
const maxCmdLog = 200

func (l *cmdLog) add(c cmdLine) {
	l.entries = append(l.entries, c)
	if len(l.entries) > maxCmdLog {
		l.entries = l.entries[len(l.entries)-maxCmdLog:]
	}
}

// fail marks the newest entry for berth line b as failed.
func (l *cmdLog) fail(b, err string) {
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].Berth == b {
			l.entries[i].Err = err
			return
		}
	}
}

// height is the pane's height at a terminal height h: none when hidden.
func (l *cmdLog) height(h int) int {
	if !l.shown || h < 16 {
		return 0
	}
	return 4
}

func (l *cmdLog) view(c *Common, h int) string {
	s := c.Styles
	lines := []string{s.Border.Render(cell("── equivalent commands (c hides) ", c.Width))}
	from := max(len(l.entries)-(h-1), 0)
	for _, e := range l.entries[from:] {
		// The outcome is never cut: a long line (a bulk action's hundred
		// names) loses its middle, the docker line goes first.
		var tail string
		if e.Err != "" {
			tail = s.Error.Render("  ✗ " + e.Err)
		}
		room := c.Width - ansi.StringWidth(tail)
		line := elideMiddle("$ "+e.Berth, room)
		if d := e.docker(); d != "" && d != "docker"+strings.TrimPrefix(e.Berth, "berth") {
			line += s.Dim.Render("   docker: " + d)
		}
		if ansi.StringWidth(line) > room {
			line = cell(line, room)
		}
		lines = append(lines, cell(line+tail, c.Width))
	}
	if len(l.entries) == 0 {
		lines = append(lines, s.Dim.Render("each action shows here as the berth command that does the same"))
	}
	return pad(lines, h)
}
