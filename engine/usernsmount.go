package engine

import (
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/idmap"
)

// specUserns gives a container with maps its user namespace: its own, or
// the one of the container its mode names; volumes are mounted idmapped
// through the same maps, so a volume holds container-side owners and any
// container sees them the same. Bind mounts are not idmapped: what the
// container writes there belongs to its mapped host IDs, as docker does.
func (e *Engine) specUserns(s *specs.Spec, r *record) error {
	uids, gids, err := recordMaps(r)
	if err != nil || uids == nil {
		return err
	}
	ns := specs.LinuxNamespace{Type: specs.UserNamespace}
	if ref, ok := modeContainer(r.Host.UsernsMode); ok {
		pid, err := e.namespaceOwner(ref, r.Host.UsernsMode)
		if err != nil {
			return err
		}
		ns.Path = fmt.Sprintf("/proc/%d/ns/user", pid)
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, ns)
	s.Linux.UIDMappings, s.Linux.GIDMappings = specMaps(uids), specMaps(gids)
	joinsNet := false
	for _, n := range s.Linux.Namespaces {
		joinsNet = joinsNet || (n.Type == specs.NetworkNamespace && n.Path != "")
	}
	for i := range s.Mounts {
		m := &s.Mounts[i]
		if m.Type == "bind" && e.isVolumeSource(r, m.Source) {
			m.UIDMappings, m.GIDMappings = specMaps(uids), specMaps(gids)
		}
		if m.Type == "sysfs" && joinsNet {
			// sysfs may only be mounted by the owner of the network
			// namespace, and a container's network namespace is made on
			// the host side (networks) or another container's: the host's
			// /sys, read-only, as docker and podman do.
			*m = specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
		}
	}
	return nil
}

func (e *Engine) isVolumeSource(r *record, src string) bool {
	for _, mp := range r.Mounts {
		if mp.Type == "volume" && mp.Source == src {
			return true
		}
	}
	return false
}

func specMaps(ms []idmap.Map) []specs.LinuxIDMapping {
	out := make([]specs.LinuxIDMapping, len(ms))
	for i, m := range ms {
		out[i] = specs.LinuxIDMapping{ContainerID: m.ContainerID, HostID: m.HostID, Size: m.Size}
	}
	return out
}

// mountRootfs mounts a container's overlay at merged. With a user
// namespace, each lower layer (the image's snapshots, shared with every
// other container) is an idmapped mount through the container's maps,
// held only by the overlay, or, where the kernel cannot idmap it, a copy
// chowned for the maps (usernscopy.go); the writable layer's root belongs
// to the container's root; the writable layer holds host IDs.
func (e *Engine) mountRootfs(r *record, lower []string, upper, work, merged string) error {
	uids, gids, err := recordMaps(r)
	if err != nil {
		return err
	}
	if uids == nil {
		return mountOverlay(lower, upper, work, merged)
	}
	if err := chownRoot(upper, uids, gids); err != nil {
		return fmt.Errorf("container %s: %w", r.Name, err)
	}
	mapped, release, err := e.mappedLowers(r, lower)
	if err != nil {
		return err
	}
	defer release()
	return mountOverlay(mapped, upper, work, merged)
}

// mappedLowers are a container's lower layers as it sees them: through
// its ID maps (idmapped mounts, else chowned copies) when it has maps,
// else as they are. release drops what an overlay made of them holds.
func (e *Engine) mappedLowers(r *record, lower []string) (mapped []string, release func(), err error) {
	uids, gids, err := recordMaps(r)
	if err != nil || uids == nil {
		return lower, func() {}, err
	}
	if !idmapDisabled() {
		mapped, release, err := idmappedLowers(lower, uids, gids)
		if err == nil {
			return mapped, release, nil
		}
		if !idmap.Unsupported(err) {
			return nil, nil, fmt.Errorf("container %s: %w", r.Name, err)
		}
	}
	shifted, err := e.shiftedLowers(r, lower, uids, gids)
	if err != nil {
		return nil, nil, fmt.Errorf("container %s: %w", r.Name, err)
	}
	return shifted, func() {}, nil
}

// chownRoot gives dir to the container's root (its host IDs), so that
// its root filesystem's / is its root's, as in the image.
func chownRoot(dir string, uids, gids []idmap.Map) error {
	u, uok := idmap.ToHost(uids, 0)
	g, gok := idmap.ToHost(gids, 0)
	if !uok || !gok {
		return nil // no root inside: / stays unmapped (nobody)
	}
	return os.Lchown(dir, int(u), int(g))
}

// usernsRunDirs opens the path to a container's root filesystem, mounted
// at merged in its run directory, so that its init, running as that root,
// can reach it: search permission only (0711), nothing listable or
// writable. merged itself is left alone: it is the overlay's root, whose
// mode is the container's / (a chmod there lands in the writable layer).
func usernsRunDirs(runRoot, merged string) error {
	for d := filepath.Dir(merged); ; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			return err
		}
		if d == runRoot || d == "/" || d == "." {
			return nil
		}
	}
}
