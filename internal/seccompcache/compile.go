package seccompcache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/seccomp"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// CompileCommand is os.Args[1] of the compile helper: the berth binary run
// by Stage, whose main must call CompileMain before anything else.
const CompileCommand = "seccomp-compile"

// compileTimeout bounds the helper; docker's profile takes ~25 ms.
const compileTimeout = 30 * time.Second

// CompileMain is the compile helper: it reads a libcontainer seccomp profile
// (JSON) from stdin, builds its filter with libcontainer's own
// seccomp.InitSeccomp, so that the fingerprint is the one init will
// compute, captures the program (libseccomp-golang's Compile: nothing is
// loaded) and writes it as a kept file to stdout. It never returns.
func CompileMain() {
	if err := compileTo(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "berth: seccomp compile: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func compileTo(r io.Reader, w io.Writer) error {
	var profile configs.Seccomp
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&profile); err != nil {
		return fmt.Errorf("reading the profile: %w", err)
	}
	fp, prog, err := libseccomp.Compile(func() error {
		_, err := seccomp.InitSeccomp(&profile)
		return err
	})
	if err != nil {
		return err
	}
	_, err = w.Write(encode(fp, prog))
	return err
}

// compile runs the compile helper (this binary) on profile, a JSON
// configs.Seccomp, and returns the kept file it wrote, checked.
func compile(profile []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), compileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/proc/self/exe", CompileCommand)
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(profile)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("seccomp compile helper: %w", err)
	}
	if _, _, err := decode(out.Bytes()); err != nil {
		return nil, fmt.Errorf("seccomp compile helper: %w", err)
	}
	return out.Bytes(), nil
}
