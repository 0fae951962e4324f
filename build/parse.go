package build

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Dockerfile is a parsed Dockerfile: its stages in order and the ARGs
// before the first FROM.
type Dockerfile struct {
	Name     string
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand
}

// Parse parses a Dockerfile named name (for errors). Every error is one
// line "NAME:LINE: ...": a syntax error or an unknown instruction names
// the line and the instruction; an error buildkit gives no line for
// (no FROM, an empty file) names line 1.
func Parse(name string, data []byte) (*Dockerfile, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, lineError(name, 1, "", err)
	}
	for _, n := range res.AST.Children {
		if _, err := instructions.ParseInstruction(n); err != nil {
			return nil, lineError(name, n.StartLine, strings.ToUpper(n.Value), err)
		}
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, lineError(name, 1, "", err)
	}
	if len(stages) == 0 {
		return nil, lineError(name, 1, "", errors.New("no FROM instruction"))
	}
	return &Dockerfile{Name: name, Stages: stages, MetaArgs: meta}, nil
}

// lineError is err as one line naming the file and the line: buildkit's
// own location when it has one, else line.
func lineError(name string, line int, instr string, err error) error {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 && le.Locations[0][0].Start.Line > 0 {
		line = le.Locations[0][0].Start.Line
	}
	msg := oneLine(unwrap(err).Error())
	if instr != "" {
		msg = oneLine(instr) + ": " + msg
	}
	return fmt.Errorf("%s:%d: %s", name, line, msg)
}

// oneLine quotes control characters (a newline from the file's text in
// buildkit's message) so an error stays one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// unwrap drops buildkit's source-location wrapper, keeping the message.
func unwrap(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// Stage finds a stage by name or index ("0", "builder").
func (d *Dockerfile) Stage(ref string) (int, bool) {
	for i, s := range d.Stages {
		if strings.EqualFold(s.Name, ref) {
			return i, true
		}
	}
	if n, ok := stageIndex(ref); ok && n >= 0 && n < len(d.Stages) {
		return n, true
	}
	return 0, false
}

// stageIndex reads ref as a stage number ("0"), as written, nothing more.
func stageIndex(ref string) (int, bool) {
	n, err := strconv.Atoi(ref)
	return n, err == nil && strconv.Itoa(n) == ref
}

// StageName is stage i's name, or its number when it has none.
func (d *Dockerfile) StageName(i int) string {
	if d.Stages[i].Name != "" {
		return d.Stages[i].Name
	}
	return strconv.Itoa(i)
}

// Triggers parses an image's ONBUILD triggers into the instructions a
// child build runs right after its FROM.
func Triggers(onbuild []string) ([]instructions.Command, error) {
	var out []instructions.Command
	for _, t := range onbuild {
		res, err := parser.Parse(strings.NewReader(t))
		if err != nil {
			return nil, fmt.Errorf("ONBUILD %s: %v", t, err)
		}
		for _, n := range res.AST.Children {
			c, err := instructions.ParseInstruction(n)
			if err != nil {
				return nil, fmt.Errorf("ONBUILD %s: %v", t, unwrap(err))
			}
			cmd, ok := c.(instructions.Command)
			if !ok {
				return nil, fmt.Errorf("ONBUILD %s: not allowed as a trigger", t)
			}
			out = append(out, cmd)
		}
	}
	return out, nil
}
