package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/idmap"
)

// Live views of a running container, read from /proc and netlink at each
// call: its namespaces, processes, mounts, network and confinement. Each
// fails with ErrFailedPrecondition when the container is not running.

// NamespaceInfo is one namespace of a container's init process.
type NamespaceInfo struct {
	Type  string `json:"type"`  // cgroup, ipc, mnt, net, pid, pid_for_children, time, user, uts
	Inode uint64 `json:"inode"` // equal inodes are the same namespace
	// Host is set when the container uses the host's namespace of this
	// type; otherwise it has its own (or shares another container's).
	Host bool `json:"host"`
	// SharedWith names the other running containers in the same namespace.
	SharedWith []string `json:"sharedWith"`
	// UIDMap and GIDMap are a user namespace's maps as the kernel has
	// them (/proc/PID/uid_map), CONTAINER:HOST:SIZE each; for type user.
	UIDMap []string `json:"uidMap,omitempty"`
	GIDMap []string `json:"gidMap,omitempty"`
}

// Namespaces lists the namespaces of a running container's init process,
// which are the host's, and which it shares with other running containers.
func (e *Engine) Namespaces(ref string) ([]NamespaceInfo, error) {
	r, st, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	nss, err := inspect.Namespaces(st.Pid)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", r.Name, err)
	}
	others := e.otherInits(r.ID)
	out := make([]NamespaceInfo, 0, len(nss))
	for _, ns := range nss {
		ni := NamespaceInfo{Type: ns.Type, Inode: ns.Inode, Host: ns.Host, SharedWith: []string{}}
		if ns.Type == "user" {
			uids, err1 := idmap.ReadProc(fmt.Sprintf("/proc/%d/uid_map", st.Pid))
			gids, err2 := idmap.ReadProc(fmt.Sprintf("/proc/%d/gid_map", st.Pid))
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("container %s: %w", r.Name, err)
			}
			ni.UIDMap, ni.GIDMap = formatMaps(uids), formatMaps(gids)
		}
		for _, o := range others {
			if ino, err := inspect.NamespaceInode(o.pid, ns.Type); err == nil && ino == ns.Inode {
				ni.SharedWith = append(ni.SharedWith, o.name)
			}
		}
		out = append(out, ni)
	}
	return out, nil
}

type initProc struct {
	name string
	pid  int
}

// otherInits are the init processes of the running containers but one.
func (e *Engine) otherInits(exceptID string) []initProc {
	ids, _ := e.containerIDs()
	var out []initProc
	for _, id := range ids {
		if id == exceptID {
			continue
		}
		st, err := e.loadState(id)
		if err != nil || !st.running() || st.Pid <= 0 {
			continue
		}
		if r, err := e.loadRecord(id); err == nil {
			out = append(out, initProc{r.Name, st.Pid})
		}
	}
	return out
}

// ProcessNode is a process of a container with its children: host and
// container PIDs, host and container UIDs.
type ProcessNode struct {
	Process
	ContainerUID int           `json:"containerUid"` // through the user namespace's uid_map
	Children     []ProcessNode `json:"children"`
}

// Processes is the process tree of a running container: its init and
// every process started in it (exec'd ones appear as roots of their own,
// their parent being outside the container).
func (e *Engine) Processes(ref string) ([]ProcessNode, error) {
	procs, err := e.Top(ref)
	if err != nil {
		return nil, err
	}
	ips := make([]inspect.Proc, len(procs))
	byPID := map[int]Process{}
	for i, p := range procs {
		ips[i] = inspect.Proc{PID: p.PID, PPID: p.PPID}
		byPID[p.PID] = p
	}
	roots, kids := inspect.Forest(ips)
	var build func(inspect.Proc) ProcessNode
	build = func(ip inspect.Proc) ProcessNode {
		p := byPID[ip.PID]
		n := ProcessNode{Process: p, ContainerUID: p.UID, Children: []ProcessNode{}}
		if m, err := inspect.UIDMap(p.PID); err == nil {
			n.ContainerUID = inspect.ToInside(m, p.UID)
		}
		for _, k := range kids[ip.PID] {
			n.Children = append(n.Children, build(k))
		}
		return n
	}
	out := []ProcessNode{}
	for _, rt := range roots {
		out = append(out, build(rt))
	}
	return out, nil
}

// MountEntry is one mount as the container sees it.
type MountEntry = inspect.Mount

// LayerDir is one overlay directory of a container's root file system.
type LayerDir struct {
	Path string `json:"path"`
	// Layer is the image layer's index, 0 = bottom; -1 for the writable layer.
	Layer  int    `json:"layer"`
	DiffID string `json:"diffId,omitempty"` // the layer's uncompressed digest
	Role   string `json:"role"`             // "image layer", "writable layer", "work dir"
}

// MountsView is a container's mount table and what its root file system
// is made of.
type MountsView struct {
	Mounts []MountEntry `json:"mounts"`
	// RootFS lists the root's overlay directories: the image's layers top
	// first, then the container's writable layer and overlay's work dir.
	RootFS []LayerDir `json:"rootfs"`
}

// Mounts reads a running container's mount table (its own
// /proc/<pid>/mountinfo) and names its root's overlay directories.
func (e *Engine) Mounts(ref string) (*MountsView, error) {
	r, st, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	ms, err := inspect.Mounts(st.Pid)
	if err != nil {
		return nil, fmt.Errorf("container %s: mounts: %w", r.Name, err)
	}
	v := &MountsView{Mounts: ms, RootFS: []LayerDir{}}
	lower, upper, work := r.LowerDirs, filepath.Join(e.containerDir(r.ID), "upper"), filepath.Join(e.containerDir(r.ID), "work")
	for _, m := range ms {
		if m.Target == "/" && m.FSType == "overlay" {
			if l, u, w := inspect.OverlayDirs(m.SuperOptions); len(l) > 0 {
				lower, upper, work = l, u, w
			}
		}
	}
	diffIDs := map[string]int{}
	var layerDiff []string
	if img, err := e.images.Resolve(r.ImageID); err == nil {
		for i, l := range img.Layers {
			diffIDs[strings.TrimPrefix(l.ChainID, "sha256:")] = i
			layerDiff = append(layerDiff, l.DiffID)
		}
	}
	for i, d := range lower {
		ld := LayerDir{Path: d, Layer: len(lower) - 1 - i, Role: "image layer"}
		if idx, ok := diffIDs[filepath.Base(d)]; ok {
			ld.Layer, ld.DiffID = idx, layerDiff[idx]
		}
		v.RootFS = append(v.RootFS, ld)
	}
	v.RootFS = append(v.RootFS, LayerDir{Path: upper, Layer: -1, Role: "writable layer"},
		LayerDir{Path: work, Layer: -1, Role: "work dir"})
	return v, nil
}

// NetInterface and Route describe a network namespace's contents.
type (
	NetInterface = inspect.NetInterface
	Route        = inspect.Route
)

// NetworkView is what a container's network namespace holds.
type NetworkView struct {
	Mode       string         `json:"mode"` // the container's network mode: none, host, container:NAME, ...
	Namespace  uint64         `json:"namespace"`
	Host       bool           `json:"host"` // the host's own network namespace
	Interfaces []NetInterface `json:"interfaces"`
	Routes     []Route        `json:"routes"`
}

// Network lists the interfaces, addresses and routes inside a running
// container's network namespace.
func (e *Engine) Network(ref string) (*NetworkView, error) {
	r, st, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	ni, err := inspect.Network(st.Pid)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", r.Name, err)
	}
	v := &NetworkView{Mode: r.Host.NetworkMode, Interfaces: ni.Interfaces, Routes: ni.Routes}
	v.Namespace, _ = inspect.NamespaceInode(st.Pid, "net")
	if host, err := inspect.HostNamespaceInode("net"); err == nil {
		v.Host = host == v.Namespace
	}
	return v, nil
}

// SecurityView is how a container's init process is confined, as the
// kernel reports it, next to what was asked for.
type SecurityView struct {
	inspect.Security
	Privileged  bool     `json:"privileged"`
	CapAdd      []string `json:"capAdd"`
	CapDrop     []string `json:"capDrop"`
	SecurityOpt []string `json:"securityOpt"`
}

// Security reads a running container's init: effective, permitted and
// bounding capabilities (decoded), seccomp mode and no_new_privs.
func (e *Engine) Security(ref string) (*SecurityView, error) {
	r, st, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	s, err := inspect.ReadSecurity(st.Pid)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", r.Name, err)
	}
	return &SecurityView{Security: *s, Privileged: r.Host.Privileged, CapAdd: nonNil(r.Host.CapAdd),
		CapDrop: nonNil(r.Host.CapDrop), SecurityOpt: nonNil(r.Host.SecurityOpt)}, nil
}
