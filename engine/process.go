package engine

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
)

// resolveUser turns a docker -u value (name, uid, name:group, uid:gid) into
// ids through the container's own /etc/passwd and /etc/group, as docker does.
func resolveUser(rootfs, spec string) (specs.User, string, error) {
	passwd, err := securejoin.SecureJoin(rootfs, "/etc/passwd")
	if err != nil {
		return specs.User{}, "", err
	}
	group, err := securejoin.SecureJoin(rootfs, "/etc/group")
	if err != nil {
		return specs.User{}, "", err
	}
	defaults := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	eu, err := user.GetExecUserPath(spec, defaults, passwd, group)
	if err != nil {
		return specs.User{}, "", fmt.Errorf("user %q: %v: %w", spec, err, errdefs.ErrInvalid)
	}
	u := specs.User{UID: uint32(eu.Uid), GID: uint32(eu.Gid)}
	for _, g := range eu.Sgids {
		u.AdditionalGids = append(u.AdditionalGids, uint32(g))
	}
	return u, eu.Home, nil
}

// processSpec is the OCI process of a container's init or of an exec.
func processSpec(rootfs string, args, env []string, userSpec, cwd string, tty bool) (*specs.Process, error) {
	u, home, err := resolveUser(rootfs, userSpec)
	if err != nil {
		return nil, err
	}
	if !hasEnv(env, "HOME") {
		env = append(env, "HOME="+home)
	}
	return &specs.Process{
		Terminal: tty,
		User:     u,
		Args:     args,
		Env:      env,
		Cwd:      cwd,
	}, nil
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

// startExitCode maps an error starting a process to docker's exit codes:
// 127 when the command does not exist, 126 when it cannot be executed.
func startExitCode(err error) int {
	msg := err.Error()
	switch {
	case errors.Is(err, os.ErrNotExist), strings.Contains(msg, "executable file not found"),
		strings.Contains(msg, "no such file or directory"):
		return 127
	case errors.Is(err, os.ErrPermission), strings.Contains(msg, "permission denied"),
		strings.Contains(msg, "exec format error"), strings.Contains(msg, "is a directory"):
		return 126
	}
	return 125
}

// startError is the one line a user sees when a process could not start,
// without libcontainer's nesting of "unable to start container process: ...".
func startError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "exec: "); i >= 0 {
		msg = msg[i:]
	}
	return strings.TrimSuffix(msg, ": unknown")
}

// waitStatusCode is the exit code docker reports: the exit status, or 128 +
// the number of the signal that killed the process.
func waitStatusCode(ps *os.ProcessState) int {
	if ps == nil {
		return 255
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
