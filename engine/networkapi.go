package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// NetworkCreateOptions is `berth network create`.
type NetworkCreateOptions = network.CreateOptions

// NetworkSummary is a network with the containers on it.
type NetworkSummary struct {
	network.Network
	Containers map[string]NetworkMember `json:"Containers"`
}

// NetworkMember is one container on a network, as docker's inspect lists it.
type NetworkMember struct {
	Name        string `json:"Name"`
	EndpointID  string `json:"EndpointID"`
	MacAddress  string `json:"MacAddress"`
	IPv4Address string `json:"IPv4Address"`
}

// CreateNetwork defines a user network on a bridge of its own.
func (e *Engine) CreateNetwork(o NetworkCreateOptions) (*Network, error) {
	var n *Network
	err := e.withLock(func() error {
		var err error
		n, err = e.networks().Create(o)
		return err
	})
	if err == nil {
		e.emitNetwork("create", n)
	}
	return n, err
}

// Networks lists the networks (the default one included) with their members.
func (e *Engine) Networks() ([]NetworkSummary, error) {
	ns := e.networks()
	if _, err := ns.Default(); err != nil {
		return nil, err
	}
	all, err := ns.List()
	if err != nil {
		return nil, err
	}
	members, err := e.networkMembers(true)
	if err != nil {
		return nil, err
	}
	var out []NetworkSummary
	for _, n := range all {
		m := members[n.Name]
		if m == nil {
			m = map[string]NetworkMember{}
		}
		out = append(out, NetworkSummary{Network: *n, Containers: m})
	}
	for _, name := range []string{network.HostName, network.NoneName} {
		n, _ := ns.Predefined(name, all[0].Created)
		out = append(out, NetworkSummary{Network: *n, Containers: map[string]NetworkMember{}})
	}
	// By name, as docker's network ls.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// predefined is the host or none network when ref names one (by name or
// by ID prefix, as any network).
func (e *Engine) predefined(ref string) (*Network, bool) {
	ns := e.networks()
	d, err := ns.Default()
	if err != nil {
		return nil, false
	}
	for _, name := range []string{network.HostName, network.NoneName} {
		n, _ := ns.Predefined(name, d.Created)
		if ref == name || (len(ref) >= 3 && strings.HasPrefix(n.ID, ref)) {
			return n, true
		}
	}
	return nil, false
}

// InspectNetwork is `berth network inspect`.
func (e *Engine) InspectNetwork(ref string) (*NetworkSummary, error) {
	if n, ok := e.predefined(ref); ok {
		return &NetworkSummary{Network: *n, Containers: map[string]NetworkMember{}}, nil
	}
	n, err := e.networks().Get(ref)
	if err != nil {
		return nil, err
	}
	members, err := e.networkMembers(true)
	if err != nil {
		return nil, err
	}
	m := members[n.Name]
	if m == nil {
		m = map[string]NetworkMember{}
	}
	return &NetworkSummary{Network: *n, Containers: m}, nil
}

// networkMembers maps network names to the containers that join them,
// with their addresses: only the running ones when running is set (what
// docker's network inspect and ls list: a stopped container has no
// endpoint), else also those that will join at their next start (which
// keep a network from being removed).
func (e *Engine) networkMembers(running bool) (map[string]map[string]NetworkMember, error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]NetworkMember{}
	for _, id := range ids {
		r, err := e.loadRecord(id)
		if err != nil || !isNetworkName(r.Host.NetworkMode) {
			continue
		}
		st, _ := e.loadState(id)
		if running && (st == nil || !st.running()) {
			continue
		}
		for _, name := range r.networkNames() {
			m := NetworkMember{Name: r.Name}
			if st != nil && st.running() {
				for _, ep := range st.Endpoints {
					if ep.Network == name {
						m.EndpointID, m.MacAddress = id[:12]+"-"+ep.Interface, ep.MacAddress
						m.IPv4Address = fmt.Sprintf("%s/%d", ep.IPAddress, ep.IPPrefixLen)
					}
				}
			}
			if out[name] == nil {
				out[name] = map[string]NetworkMember{}
			}
			out[name][id] = m
		}
	}
	return out, nil
}

// RemoveNetwork deletes a user network that no container joins.
func (e *Engine) RemoveNetwork(ref string) error {
	var n *Network
	if p, ok := e.predefined(ref); ok {
		return fmt.Errorf("%s is a pre-defined network and cannot be removed: %w", p.Name, errdefs.ErrFailedPrecondition)
	}
	err := e.withLock(func() error {
		var err error
		if n, err = e.networks().Get(ref); err != nil {
			return err
		}
		members, err := e.networkMembers(false)
		if err != nil {
			return err
		}
		var names []string
		for _, m := range members[n.Name] {
			names = append(names, m.Name)
		}
		sort.Strings(names)
		if len(names) > 0 {
			return fmt.Errorf("network %s is in use by container %s: %w", n.Name, names[0], errdefs.ErrFailedPrecondition)
		}
		return e.networks().Remove(n)
	})
	if err == nil {
		e.emitNetwork("destroy", n)
	}
	return err
}

// PruneNetworks removes the user networks no container joins.
func (e *Engine) PruneNetworks() ([]string, error) {
	var gone []string
	err := e.withLock(func() error {
		all, err := e.networks().List()
		if err != nil {
			return err
		}
		members, err := e.networkMembers(false)
		if err != nil {
			return err
		}
		for _, n := range all {
			if n.Name == network.DefaultName || len(members[n.Name]) > 0 {
				continue
			}
			if err := e.networks().Remove(n); err != nil {
				return err
			}
			gone = append(gone, n.Name)
			e.emitNetwork("destroy", n)
		}
		return nil
	})
	if err == nil {
		e.emit(pruneEvent("network", 0))
	}
	return gone, err
}

// Connect joins a container to a user network, at once when it runs (a
// new interface in its namespace), else from its next start.
func (e *Engine) Connect(ctx context.Context, netRef, ref string, aliases []string) error {
	if p, ok := e.predefined(netRef); ok {
		return fmt.Errorf("container cannot be disconnected from %s network or connected to %s network: %w", p.Name, p.Name, errdefs.ErrFailedPrecondition)
	}
	n, err := e.networks().Get(netRef)
	if err != nil {
		return err
	}
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	if !isNetworkName(r.Host.NetworkMode) {
		return fmt.Errorf("container %s: its network mode %s cannot join networks: %w", r.Name, r.Host.NetworkMode, errdefs.ErrFailedPrecondition)
	}
	if _, ok := r.Networks[n.Name]; ok || r.Host.NetworkMode == n.Name {
		return fmt.Errorf("container %s is already connected to network %s: %w", r.Name, n.Name, errdefs.ErrAlreadyExists)
	}
	if n.Name == network.DefaultName && len(aliases) > 0 {
		return fmt.Errorf("network-scoped aliases are only supported for user-defined networks: %w", errdefs.ErrInvalid)
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return err
	}
	if st.running() {
		used := map[string]bool{}
		for _, ep := range st.Endpoints {
			used[ep.Interface] = true
		}
		i := 0
		for used[ifname(i)] {
			i++
		}
		ep, err := e.networks().Attach(ctx, n, r.ID, e.netnsPath(r.ID), ifname(i), nil, network.Static{})
		if err != nil {
			return err
		}
		if _, err := e.updateState(r.ID, func(s *state) error { s.Endpoints = append(s.Endpoints, *ep); return nil }); err != nil {
			return err
		}
	}
	if r.Networks == nil {
		r.Networks = map[string]EndpointConfig{}
	}
	r.Networks[n.Name] = EndpointConfig{Aliases: aliases}
	if err := e.saveRecord(r); err != nil {
		return err
	}
	if st.running() {
		e.writeEtcFiles(r, nil)
		e.refreshPeers(r)
	}
	e.emitNetwork("connect", n)
	return nil
}

// Disconnect takes a container off a network it joined with Connect.
func (e *Engine) Disconnect(ctx context.Context, netRef, ref string) error {
	if p, ok := e.predefined(netRef); ok {
		return fmt.Errorf("container cannot be disconnected from %s network or connected to %s network: %w", p.Name, p.Name, errdefs.ErrFailedPrecondition)
	}
	n, err := e.networks().Get(netRef)
	if err != nil {
		return err
	}
	r, err := e.resolve(ref)
	if err != nil {
		return err
	}
	if r.Host.NetworkMode == n.Name {
		return fmt.Errorf("container %s: %s is its primary network (its --network); remove the container instead: %w", r.Name, n.Name, errdefs.ErrFailedPrecondition)
	}
	if _, ok := r.Networks[n.Name]; !ok {
		return fmt.Errorf("container %s is not connected to network %s: %w", r.Name, n.Name, errdefs.ErrFailedPrecondition)
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return err
	}
	for _, ep := range st.Endpoints {
		if ep.Network == n.Name && st.running() {
			if err := e.networks().Detach(ctx, n, r.ID, e.netnsPath(r.ID), ep.Interface, nil); err != nil {
				return err
			}
		}
	}
	if _, err := e.updateState(r.ID, func(s *state) error {
		var keep []Endpoint
		for _, ep := range s.Endpoints {
			if ep.Network != n.Name {
				keep = append(keep, ep)
			}
		}
		s.Endpoints = keep
		return nil
	}); err != nil {
		return fmt.Errorf("container %s: recording the disconnect from %s: %w", r.Name, n.Name, err)
	}
	delete(r.Networks, n.Name)
	if err := e.saveRecord(r); err != nil {
		return err
	}
	e.refreshPeers(&record{ID: r.ID, Host: HostConfig{NetworkMode: n.Name}})
	e.writeEtcFiles(r, nil)
	e.emitNetwork("disconnect", n)
	return nil
}

func (e *Engine) emitNetwork(action string, n *Network) {
	e.emit(Event{Type: "network", Action: action, Actor: EventActor{ID: n.ID, Attributes: map[string]string{"name": n.Name, "type": "bridge"}}})
}
