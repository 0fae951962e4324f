package build

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

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

// Parse parses a Dockerfile named name (for errors). A syntax error or an
// unknown instruction names the file, the line and the instruction.
func Parse(name string, data []byte) (*Dockerfile, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	for _, n := range res.AST.Children {
		if _, err := instructions.ParseInstruction(n); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %v", name, n.StartLine, strings.ToUpper(n.Value), unwrap(err))
		}
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, unwrap(err))
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM instruction", name)
	}
	return &Dockerfile{Name: name, Stages: stages, MetaArgs: meta}, nil
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
	var n int
	if _, err := fmt.Sscanf(ref, "%d", &n); err == nil && fmt.Sprint(n) == ref && n >= 0 && n < len(d.Stages) {
		return n, true
	}
	return 0, false
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
