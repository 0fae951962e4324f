package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/idmap"
)

// User namespaces (--userns, --uidmap, --gidmap).
//
// A container with a user namespace has its root mapped to an unprivileged
// host range: "private" takes 65536 IDs from the subordinate ranges
// /etc/subuid and /etc/subgid grant the user "berth" (added when missing),
// one block per container (found free among the other containers' records
// at create, so removing the container frees it) or one block for the
// whole store (store config "userns-allocate": "store"); "keep-id" is the
// same with the calling user's own ID kept; --uidmap/--gidmap give the maps
// outright, inside those ranges. The maps are fixed at create in the
// record (HostConfig.IDMappings) and never change after.
//
// The image's layers stay shared: the shim mounts each lower layer
// idmapped through the container's maps (usernsmount.go), so a file owned
// by 0 in the layer is the container's root. The writable layer holds host
// IDs, as the kernel writes them; commit and diff map them back, so a
// committed layer holds container-side owners.

// usernsConfig is the user namespace part of <root>/config.json.
type usernsConfig struct {
	// Default is the --userns of a container created without one.
	Default string `json:"userns"`
	// Remap is docker's userns-remap: "default" (the user berth) or a
	// user whose subordinate ranges private maps come from. Setting it
	// makes private the default and the allocation per store, as docker's
	// one map per daemon.
	Remap string `json:"userns-remap"`
	// Allocate is "container" (a block per container) or "store".
	Allocate string `json:"userns-allocate"`
	// SubUID and SubGID replace /etc/subuid and /etc/subgid.
	SubUID string `json:"userns-subuid"`
	SubGID string `json:"userns-subgid"`
}

const (
	usernsOwner = "berth"
	usernsBlock = 65536        // IDs of one container's private range
	usernsGrant = 65536 * 1024 // IDs berth grants itself when adding its entry
)

func (e *Engine) usernsConfig() (usernsConfig, error) {
	var c usernsConfig
	path := filepath.Join(e.root, "config.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil {
		return c, fmt.Errorf("store config %s: %v: %w", path, err, errdefs.ErrInvalid)
	}
	switch c.Default {
	case "", "host", "private", "keep-id":
	default:
		return c, fmt.Errorf("store config %s: userns %q: use host, private or keep-id: %w", path, c.Default, errdefs.ErrInvalid)
	}
	switch c.Allocate {
	case "", "container", "store":
	default:
		return c, fmt.Errorf("store config %s: userns-allocate %q: use container or store: %w", path, c.Allocate, errdefs.ErrInvalid)
	}
	if c.Remap != "" {
		if c.Default == "" {
			c.Default = "private"
		}
		if c.Allocate == "" {
			c.Allocate = "store"
		}
	}
	if c.Remap == "" || c.Remap == "default" {
		c.Remap = usernsOwner
	}
	if c.SubUID == "" {
		c.SubUID = idmap.DefaultFiles.UID
	}
	if c.SubGID == "" {
		c.SubGID = idmap.DefaultFiles.GID
	}
	return c, nil
}

// usernsPlan is what checkUserns decided before the store lock: the mode
// and, for explicit maps, the maps; allocation waits for the lock.
type usernsPlan struct {
	mode       string // "" for none
	uids, gids []idmap.Map
	keepUID    uint32
	keepGID    uint32
	cfg        usernsConfig
}

// checkUserns checks --userns, --uidmap and --gidmap against each other
// and the other namespace modes; nothing is written.
func (e *Engine) checkUserns(o *CreateOptions) (*usernsPlan, error) {
	h := &o.Host
	cfg, err := e.usernsConfig()
	if err != nil {
		return nil, err
	}
	p := &usernsPlan{mode: h.UsernsMode, cfg: cfg}
	asked := h.IDMappings
	h.IDMappings = nil
	if asked != nil && (len(asked.UIDMap) > 0 || len(asked.GIDMap) > 0) {
		if p.mode != "" && p.mode != "private" {
			return nil, fmt.Errorf("conflicting options: --uidmap/--gidmap and --userns %s: %w", p.mode, errdefs.ErrInvalid)
		}
		p.mode = "private"
		uids, gids := asked.UIDMap, asked.GIDMap
		if len(uids) == 0 {
			uids = gids
		}
		if len(gids) == 0 {
			gids = uids
		}
		if p.uids, err = parseMaps("--uidmap", uids); err != nil {
			return nil, err
		}
		if p.gids, err = parseMaps("--gidmap", gids); err != nil {
			return nil, err
		}
	}
	if p.mode == "" {
		p.mode = cfg.Default
	}
	if ref, ok := modeContainer(p.mode); ok {
		t, err := e.resolve(ref)
		if err != nil {
			return nil, fmt.Errorf("--userns %s: %w", p.mode, err)
		}
		h.UsernsMode = containerModePrefix + t.ID
		h.IDMappings = t.Host.IDMappings
		return nil, nil
	}
	switch p.mode {
	case "", "host":
		h.UsernsMode = p.mode
		return nil, nil
	case "private":
	case "keep-id":
		uid, gid, err := callingUser()
		if err != nil {
			return nil, err
		}
		p.keepUID, p.keepGID = uid, gid
		if o.User == "" {
			o.User = fmt.Sprintf("%d:%d", uid, gid)
		}
	default:
		return nil, fmt.Errorf("--userns %q: use host, private, keep-id or container:NAME: %w", p.mode, errdefs.ErrInvalid)
	}
	h.UsernsMode = p.mode
	if h.Privileged {
		return nil, fmt.Errorf("conflicting options: --privileged and --userns %s (a privileged container runs in the host's user namespace: add --userns host): %w", p.mode, errdefs.ErrInvalid)
	}
	for flag, mode := range map[string]string{"--network": h.NetworkMode, "--pid": h.PidMode, "--ipc": h.IpcMode, "--uts": h.UTSMode} {
		if mode == "host" {
			return nil, fmt.Errorf("conflicting options: %s host and --userns %s (the host's namespaces belong to the host's user namespace): %w", flag, p.mode, errdefs.ErrInvalid)
		}
	}
	if ref, ok := modeContainer(h.PidMode); ok {
		// Its /proc could not be mounted: procfs needs the user
		// namespace that owns the pid namespace (runc fails at start with
		// "mounting proc: operation not permitted").
		return nil, fmt.Errorf("conflicting options: --pid container:%.12s and --userns %s (a pid namespace belongs to its container's user namespace: add --userns container:%.12s): %w", ref, p.mode, ref, errdefs.ErrInvalid)
	}
	return p, nil
}

func parseMaps(flag string, specs []string) ([]idmap.Map, error) {
	var out []idmap.Map
	for _, s := range specs {
		ms, err := idmap.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %w", flag, err, errdefs.ErrInvalid)
		}
		out = append(out, ms...)
	}
	if err := idmap.Check(out); err != nil {
		return nil, fmt.Errorf("%s %s: %v: %w", flag, idmap.Format(out), err, errdefs.ErrInvalid)
	}
	for _, m := range out {
		if _, ok := idmap.ToContainer([]idmap.Map{m}, 0); ok {
			return nil, fmt.Errorf("%s %s: maps host ID 0, the host's root: %w", flag, m, errdefs.ErrInvalid)
		}
	}
	return out, nil
}

// callingUser is the user keep-id keeps: the one sudo ran berth for, or
// the caller itself; root is refused (keeping it would be no namespace).
func callingUser() (uint32, uint32, error) {
	uid, gid := os.Getuid(), os.Getgid()
	if s := os.Getenv("SUDO_UID"); s != "" && uid == 0 {
		u, err1 := strconv.ParseUint(s, 10, 32)
		g, err2 := strconv.ParseUint(os.Getenv("SUDO_GID"), 10, 32)
		if err1 == nil && err2 == nil {
			uid, gid = int(u), int(g)
		}
	}
	if uid == 0 {
		return 0, 0, fmt.Errorf("--userns keep-id: the calling user is root, and keeping root's ID would map the host's root (run berth through sudo as a user, or use --userns private): %w", errdefs.ErrInvalid)
	}
	return uint32(uid), uint32(gid), nil
}

// allocateUserns fixes the maps of a new container under the store lock:
// explicit ones are checked against the subordinate ranges, private and
// keep-id ones are allocated from them. A missing berth entry is added to
// the subid files only once everything else is checked (commit).
func (e *Engine) allocateUserns(p *usernsPlan, self string) (*IDMappings, func() error, error) {
	uidGrants, addUID, err := subRanges(p.cfg.SubUID, p.cfg.Remap)
	if err != nil {
		return nil, nil, err
	}
	gidGrants, addGID, err := subRanges(p.cfg.SubGID, p.cfg.Remap)
	if err != nil {
		return nil, nil, err
	}
	commit := func() error {
		if err := addUID(); err != nil {
			return err
		}
		return addGID()
	}
	if p.uids != nil {
		if m, ok := idmap.Within(p.uids, uidGrants); !ok {
			return nil, nil, outside("--uidmap", m, p.cfg.SubUID, p.cfg.Remap, uidGrants)
		}
		if m, ok := idmap.Within(p.gids, gidGrants); !ok {
			return nil, nil, outside("--gidmap", m, p.cfg.SubGID, p.cfg.Remap, gidGrants)
		}
		return &IDMappings{UIDMap: formatMaps(p.uids), GIDMap: formatMaps(p.gids)}, commit, nil
	}
	var usedU, usedG [][]idmap.Map
	if p.cfg.Allocate != "store" {
		if usedU, usedG, err = e.usedMaps(self); err != nil {
			return nil, nil, err
		}
	}
	u, err := allocBlock(uidGrants, usedU, p.cfg.Allocate == "store", p.cfg.SubUID, p.cfg.Remap)
	if err != nil {
		return nil, nil, err
	}
	g, err := allocBlock(gidGrants, usedG, p.cfg.Allocate == "store", p.cfg.SubGID, p.cfg.Remap)
	if err != nil {
		return nil, nil, err
	}
	uids, gids := blockMap(u), blockMap(g)
	if p.mode == "keep-id" {
		uids, gids = keepID(u, p.keepUID), keepID(g, p.keepGID)
	}
	return &IDMappings{UIDMap: formatMaps(uids), GIDMap: formatMaps(gids)}, commit, nil
}

// subRanges are the ranges file grants owner; for berth's own entry, when
// missing, the range it would add and the function that adds it.
func subRanges(file, owner string) ([]idmap.Range, func() error, error) {
	none := func() error { return nil }
	uid := ""
	if u, err := user.Lookup(owner); err == nil {
		uid = u.Uid
	}
	grants, err := idmap.Ranges(file, owner, uid)
	if err != nil {
		return nil, nil, fmt.Errorf("user namespaces: %v", err)
	}
	if len(grants) > 0 {
		return grants, none, nil
	}
	if owner != usernsOwner {
		return nil, nil, fmt.Errorf("user namespaces: %s grants user %q no subordinate IDs (add a line %s:START:COUNT): %w", file, owner, owner, errdefs.ErrFailedPrecondition)
	}
	r, add, err := idmap.Plan(file, owner, usernsGrant)
	if err != nil {
		return nil, nil, fmt.Errorf("user namespaces: %v", err)
	}
	return r, add, nil
}

func outside(flag string, m idmap.Map, file, owner string, grants []idmap.Range) error {
	var g []string
	for _, r := range grants {
		g = append(g, fmt.Sprintf("%d-%d", r.Start, uint64(r.Start)+uint64(r.Size)-1))
	}
	return fmt.Errorf("%s %s: host IDs %d-%d are outside what %s grants %s (%s): %w", flag, m, m.HostID, uint64(m.HostID)+uint64(m.Size)-1, file, owner, strings.Join(g, ", "), errdefs.ErrInvalid)
}

// allocBlock is the first 65536-ID block of grants no used map touches.
// The first block of the first grant is the store's (shared by every
// container when allocating per store) and never a container's own.
func allocBlock(grants []idmap.Range, used [][]idmap.Map, store bool, file, owner string) (uint32, error) {
	first := true
	for _, g := range grants {
		for off := uint64(0); off+usernsBlock <= uint64(g.Size); off += usernsBlock {
			start := uint32(uint64(g.Start) + off)
			if first {
				first = false
				if store {
					return start, nil
				}
				continue
			}
			cand := blockMap(start)
			free := true
			for _, u := range used {
				if idmap.Overlaps(cand, u) {
					free = false
					break
				}
			}
			if free {
				return start, nil
			}
		}
	}
	return 0, fmt.Errorf("user namespaces: no free block of %d IDs left in what %s grants %s (remove containers, or grant more): %w", usernsBlock, file, owner, errdefs.ErrFailedPrecondition)
}

func blockMap(start uint32) []idmap.Map {
	return []idmap.Map{{ContainerID: 0, HostID: start, Size: usernsBlock}}
}

// keepID maps id to itself and the other IDs below 65536 to the block.
func keepID(start, id uint32) []idmap.Map {
	if id >= usernsBlock {
		return []idmap.Map{{ContainerID: 0, HostID: start, Size: usernsBlock}, {ContainerID: id, HostID: id, Size: 1}}
	}
	ms := []idmap.Map{}
	if id > 0 {
		ms = append(ms, idmap.Map{ContainerID: 0, HostID: start, Size: id})
	}
	ms = append(ms, idmap.Map{ContainerID: id, HostID: id, Size: 1})
	if rest := usernsBlock - 1 - id; rest > 0 {
		ms = append(ms, idmap.Map{ContainerID: id + 1, HostID: start + id, Size: rest})
	}
	return ms
}

// usedMaps are the maps of every other container of the store.
func (e *Engine) usedMaps(self string) (uids, gids [][]idmap.Map, err error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if id == self {
			continue
		}
		r, err := e.loadRecord(id)
		if err != nil {
			continue // being removed
		}
		u, g, err := recordMaps(r)
		if err != nil || u == nil {
			continue
		}
		uids, gids = append(uids, u), append(gids, g)
	}
	return uids, gids, nil
}

// recordMaps are a container's maps; nil for the host's user namespace.
func recordMaps(r *record) (uids, gids []idmap.Map, err error) {
	m := r.Host.IDMappings
	if m == nil {
		return nil, nil, nil
	}
	if uids, err = idmap.Parse(strings.Join(m.UIDMap, ",")); err == nil {
		gids, err = idmap.Parse(strings.Join(m.GIDMap, ","))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("container %s: its record's ID maps: %v", r.Name, err)
	}
	return uids, gids, nil
}

func formatMaps(ms []idmap.Map) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

// newContainerErr names the container being created in err, when it has
// a name yet.
func newContainerErr(name string, err error) error {
	if name == "" {
		return err
	}
	return fmt.Errorf("container %q: %w", name, err)
}
