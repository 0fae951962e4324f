package engine

import (
	"fmt"
	"os"
	"strconv"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// InitPath is the init that --init runs as PID 1: Debian's statically
// linked tini, as docker's docker-init is tini.
var InitPath = "/usr/bin/tini-static"

// initInContainer is where --init's binary is mounted, as docker does.
const initInContainer = "/sbin/docker-init"

// specInit makes tini PID 1 for --init: mounted read-only from the host,
// running the container's command as its child, reaping zombies and
// forwarding signals.
func specInit(s *specs.Spec, r *record) error {
	if !r.Host.Init {
		return nil
	}
	if _, err := os.Stat(InitPath); err != nil {
		return fmt.Errorf("--init: %s is missing (install Debian's tini package)", InitPath)
	}
	s.Mounts = append(s.Mounts, specs.Mount{Destination: initInContainer, Type: "bind", Source: InitPath,
		Options: []string{"bind", "ro", "nosuid", "nodev"}})
	s.Process.Args = append([]string{initInContainer, "--"}, s.Process.Args...)
	return nil
}

// specUser adds --group-add's groups, names resolved through the image's
// /etc/group, to the process's supplementary groups.
func specUser(s *specs.Spec, rootfs string, r *record) error {
	if len(r.Host.GroupAdd) == 0 {
		return nil
	}
	group, err := securejoin.SecureJoin(rootfs, "/etc/group")
	if err != nil {
		return err
	}
	gids, err := user.GetAdditionalGroupsPath(r.Host.GroupAdd, group)
	if err != nil {
		return fmt.Errorf("--group-add: %v", err)
	}
	have := map[uint32]bool{}
	for _, g := range s.Process.User.AdditionalGids {
		have[g] = true
	}
	for _, g := range gids {
		if !have[uint32(g)] {
			s.Process.User.AdditionalGids = append(s.Process.User.AdditionalGids, uint32(g))
			have[uint32(g)] = true
		}
	}
	return nil
}

// checkGroupAdd refuses what can never be a group: empty names and
// negative numbers. Names are resolved at start, in the image's /etc/group.
func checkGroupAdd(groups []string) error {
	for _, g := range groups {
		if g == "" {
			return fmt.Errorf("--group-add: empty group name")
		}
		if n, err := strconv.Atoi(g); err == nil && n < 0 {
			return fmt.Errorf("--group-add %s: negative group ID", g)
		}
	}
	return nil
}
