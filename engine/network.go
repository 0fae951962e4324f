package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// Network modes besides the names of networks: a container on "none" has
// only its loopback, on "host" the host's network, on "container:<id>"
// another container's. Any other mode names a network ("bridge", the
// default, or a user network).
func isNetworkName(mode string) bool {
	_, shared := modeContainer(mode)
	return mode != "none" && mode != "host" && !shared
}

// EndpointConfig is what a container asks of one network: its aliases.
type EndpointConfig struct {
	Aliases []string `json:"Aliases"`
	// IPv4Address (--ip) and MacAddress (--mac-address) are the fixed
	// address asked for on this network; empty: the network picks.
	IPv4Address string `json:"IPv4Address,omitempty"`
	MacAddress  string `json:"MacAddress,omitempty"`
}

// Network types, as the network package has them.
type (
	Network     = network.Network
	PortBinding = network.PortBinding
	PortMapping = network.PortMapping
	Endpoint    = network.Endpoint
)

// ParsePublish reads one -p value into docker's PortBindings.
var ParsePublish = network.ParsePublish

func (e *Engine) networks() *network.Store {
	key := ""
	if k, ok := strings.CutPrefix(filepath.Base(e.runRoot), "berth-"); ok {
		key = k
	}
	return network.Open(filepath.Join(e.root, "networks"), e.runRoot, key)
}

func (e *Engine) netnsPath(id string) string { return filepath.Join(e.runDir(id), "netns") }

// resolveNetworking checks a new container's network options: the network
// exists, aliases only on user networks, published ports only with a
// network of its own; -P publishes the image's EXPOSEd ports.
func (e *Engine) resolveNetworking(o *CreateOptions, exposed map[string]struct{}) (map[string]EndpointConfig, error) {
	h := &o.Host
	if h.NetworkMode == "" || h.NetworkMode == "default" {
		h.NetworkMode = network.DefaultName
	}
	if h.PublishAllPorts {
		if h.PortBindings == nil {
			h.PortBindings = map[string][]PortBinding{}
		}
		for p := range exposed {
			key, err := network.ExposedKey(p)
			if err != nil {
				return nil, err
			}
			if _, ok := h.PortBindings[key]; !ok {
				h.PortBindings[key] = []PortBinding{{}}
			}
		}
	}
	if !isNetworkName(h.NetworkMode) {
		if _, shared := modeContainer(h.NetworkMode); shared && len(h.PortBindings) > 0 {
			return nil, fmt.Errorf("conflicting options: port publishing and the container type network mode: %w", errdefs.ErrInvalid)
		}
		if len(o.NetworkAliases) > 0 {
			return nil, fmt.Errorf("network-scoped aliases are only supported for user-defined networks: %w", errdefs.ErrInvalid)
		}
		if o.IPv4Address != "" {
			return nil, fmt.Errorf("user specified IP address is supported on user defined networks only: %w", errdefs.ErrInvalid)
		}
		if o.MacAddress != "" {
			return nil, fmt.Errorf("conflicting options: mac-address and the network mode: %w", errdefs.ErrInvalid)
		}
		if h.NetworkMode != "host" && len(h.Links) > 0 {
			return nil, fmt.Errorf("conflicting options: --link and --network %s: %w", h.NetworkMode, errdefs.ErrInvalid)
		}
		return nil, nil
	}
	if Rootless() {
		return rootlessNetworkMode(h) // rootlessnet.go
	}
	if err := network.ValidateBindings(h.PortBindings); err != nil {
		return nil, err
	}
	n, err := e.networks().Get(h.NetworkMode)
	if err != nil {
		return nil, err
	}
	h.NetworkMode = n.Name
	if n.Name == network.DefaultName && len(o.NetworkAliases) > 0 {
		return nil, fmt.Errorf("network-scoped aliases are only supported for user-defined networks: %w", errdefs.ErrInvalid)
	}
	for _, l := range h.Links {
		name, _, _ := strings.Cut(l, ":")
		if _, err := e.resolve(name); err != nil {
			return nil, fmt.Errorf("--link %s: %w", l, err)
		}
	}
	// A fixed address on the default network could fall outside it when
	// its bridge has to move to another subnet: docker refuses it too.
	if n.Name == network.DefaultName && o.IPv4Address != "" {
		return nil, fmt.Errorf("user specified IP address is supported on user defined networks only: %w", errdefs.ErrInvalid)
	}
	if err := n.CheckStatic(network.Static{IP: o.IPv4Address, MAC: o.MacAddress}); err != nil {
		return nil, err
	}
	return map[string]EndpointConfig{n.Name: {Aliases: o.NetworkAliases, IPv4Address: o.IPv4Address, MacAddress: o.MacAddress}}, nil
}

// attachNetworks runs in the shim before the container starts: a network
// namespace of its own, attached to its networks through CNI, and its
// /etc/hosts, /etc/hostname and /etc/resolv.conf. The returned undo
// detaches everything; it is safe to call twice. Its error says that the
// state could not be told the endpoints are gone (a container removed
// meanwhile is no error): the shim logs it, and reconcile's detachDead
// finds those endpoints again.
func (e *Engine) attachNetworks(r *record) (func() error, error) {
	e.writeEtcFiles(r, nil)
	if !isNetworkName(r.Host.NetworkMode) {
		return func() error { return nil }, nil
	}
	if Rootless() {
		return e.attachPasta(r) // rootlessnet.go
	}
	ctx := context.Background()
	path := e.netnsPath(r.ID)
	network.RemoveNetns(path) // left by a shim that died
	if err := network.NewNetns(path); err != nil {
		return nil, err
	}
	ns := e.networks()
	var attached []*network.Network
	var ports []PortMapping
	var held *network.Held
	undo := func() error {
		for i := len(attached) - 1; i >= 0; i-- {
			var p []PortMapping
			if i == 0 {
				p = ports
			}
			ns.Detach(ctx, attached[i], r.ID, path, ifname(i), p)
		}
		attached = nil
		held.Release() // after the mappings are gone
		network.RemoveNetns(path)
		_, err := e.updateState(r.ID, func(st *state) error { st.Endpoints, st.Ports = nil, nil; return nil })
		e.refreshPeers(r)
		if err != nil && !isNotExist(err) {
			return fmt.Errorf("container %s: recording its network detached: %w", r.ID[:12], err)
		}
		return nil
	}
	fail := func(err error) (func() error, error) { undo(); return nil, err }
	if err := network.LoopbackUp(path); err != nil {
		return fail(fmt.Errorf("loopback: %w", err))
	}
	var err error
	if ports, held, err = e.holdPorts(r); err != nil {
		return fail(err)
	}
	var eps []Endpoint
	for i, name := range r.networkNames() {
		n, err := ns.Get(name)
		if err != nil {
			return fail(err)
		}
		var p []PortMapping
		if i == 0 {
			p = ports
		}
		ec := r.Networks[name]
		ep, err := ns.Attach(ctx, n, r.ID, path, ifname(i), p, network.Static{IP: ec.IPv4Address, MAC: ec.MacAddress})
		if err != nil {
			return fail(err)
		}
		attached = append(attached, n)
		eps = append(eps, *ep)
	}
	if _, err := e.updateState(r.ID, func(st *state) error { st.Endpoints, st.Ports = eps, ports; return nil }); err != nil {
		return fail(err)
	}
	e.writeEtcFiles(r, eps)
	e.refreshPeers(r)
	return undo, nil
}

func ifname(i int) string { return fmt.Sprintf("eth%d", i) }

// networkNames are the networks of a container, its NetworkMode first.
func (r *record) networkNames() []string {
	out := []string{r.Host.NetworkMode}
	var more []string
	for n := range r.Networks {
		if n != r.Host.NetworkMode {
			more = append(more, n)
		}
	}
	sort.Strings(more)
	return append(out, more...)
}

func (e *Engine) etcPath(id, name string) string { return filepath.Join(e.containerDir(id), name) }

// writeEtcFiles writes the container's hosts, hostname and resolv.conf
// (eps: its endpoints, nil before it has any).
func (e *Engine) writeEtcFiles(r *record, eps []Endpoint) {
	host := r.Host.NetworkMode == "host" || r.Host.UTSMode == "host"
	hostname := r.Config.Hostname
	if host {
		hostname, _ = os.Hostname()
	}
	network.WriteFile(e.etcPath(r.ID, "hostname"), hostname+"\n")
	if r.Host.NetworkMode == "host" {
		data, _ := os.ReadFile("/etc/hosts")
		network.WriteFile(e.etcPath(r.ID, "hosts"), string(data))
		data, _ = os.ReadFile("/etc/resolv.conf")
		network.WriteFile(e.etcPath(r.ID, "resolv.conf"), string(data))
		return
	}
	if custom, ok := customResolvConf(r.Host, "/etc/resolv.conf"); ok {
		network.WriteFile(e.etcPath(r.ID, "resolv.conf"), custom)
	} else {
		network.WriteResolvConf(e.etcPath(r.ID, "resolv.conf"), "/etc/resolv.conf")
	}
	if len(eps) == 0 {
		if st, err := e.loadState(r.ID); err == nil {
			eps = st.Endpoints
		}
	}
	self := []network.HostEntry{}
	for _, ep := range eps {
		names := []string{hostname}
		if hostname != r.ID[:12] {
			names = append(names, r.ID[:12])
		}
		self = append(self, network.HostEntry{IP: ep.IPAddress, Names: names})
	}
	if len(eps) == 0 && r.Host.NetworkMode == "none" {
		self = append(self, network.HostEntry{IP: "127.0.0.1", Names: []string{hostname}})
	}
	self = append(self, extraHostEntries(r.Host, eps)...)
	network.WriteHosts(e.etcPath(r.ID, "hosts"), self, e.peerEntries(r, eps))
}

// peerEntries are the /etc/hosts lines for a container's links and, on
// user networks, for the other running members (name, aliases, short ID).
func (e *Engine) peerEntries(r *record, eps []Endpoint) []network.HostEntry {
	mine := map[string]bool{}
	for _, ep := range eps {
		if ep.Network != network.DefaultName {
			mine[ep.Network] = true
		}
	}
	links := map[string][]string{} // target id -> aliases
	for _, l := range r.Host.Links {
		name, alias, _ := strings.Cut(l, ":")
		if t, err := e.resolve(name); err == nil {
			if alias == "" {
				alias = t.Name
			}
			links[t.ID] = append(links[t.ID], alias)
		}
	}
	if len(mine) == 0 && len(links) == 0 {
		return nil // the default network alone: no peers to list, nothing to read
	}
	var out []network.HostEntry
	ids, _ := e.containerIDs()
	for _, id := range ids {
		if id == r.ID {
			continue
		}
		st, err := e.loadState(id)
		if err != nil || !st.running() || len(st.Endpoints) == 0 {
			continue
		}
		o, err := e.loadRecord(id)
		if err != nil {
			continue
		}
		for _, ep := range st.Endpoints {
			if mine[ep.Network] {
				names := append([]string{o.Name}, o.Networks[ep.Network].Aliases...)
				out = append(out, network.HostEntry{IP: ep.IPAddress, Names: append(names, id[:12])})
			}
		}
		if aliases, ok := links[id]; ok {
			out = append(out, network.HostEntry{IP: st.Endpoints[0].IPAddress, Names: append(aliases, o.Name)})
		}
	}
	return out
}

// refreshPeers rewrites the /etc/hosts of the running containers that
// share a user network with r, after r came or went.
func (e *Engine) refreshPeers(r *record) {
	nets := map[string]bool{}
	for _, n := range r.networkNames() {
		if n != network.DefaultName && isNetworkName(n) {
			nets[n] = true
		}
	}
	if len(nets) == 0 {
		return
	}
	ids, _ := e.containerIDs()
	for _, id := range ids {
		if id == r.ID {
			continue
		}
		st, err := e.loadState(id)
		if err != nil || !st.running() {
			continue
		}
		for _, ep := range st.Endpoints {
			if nets[ep.Network] {
				if o, err := e.loadRecord(id); err == nil {
					e.writeEtcFiles(o, st.Endpoints)
				}
				break
			}
		}
	}
}

// specNetwork joins the container to the namespace attachNetworks made
// and mounts its /etc files (another container's, for container:<id>).
func (e *Engine) specNetwork(s *specs.Spec, r *record) error {
	if isNetworkName(r.Host.NetworkMode) {
		for i := range s.Linux.Namespaces {
			if s.Linux.Namespaces[i].Type == specs.NetworkNamespace {
				s.Linux.Namespaces[i].Path = e.netnsPath(r.ID)
			}
		}
	}
	owner := r.ID
	if ref, shared := modeContainer(r.Host.NetworkMode); shared {
		if t, err := e.resolve(ref); err == nil {
			owner = t.ID
		}
	}
	for _, f := range []string{"hosts", "hostname", "resolv.conf"} {
		src := e.etcPath(owner, f)
		if f == "hostname" {
			src = e.etcPath(r.ID, f)
		}
		if _, err := os.Stat(src); err != nil {
			continue
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/etc/" + f, Type: "bind", Source: src,
			Options: []string{"rbind", "rprivate", "nosuid", "nodev", "noexec"}})
	}
	return nil
}

// NetworkSettings is inspect's NetworkSettings, with docker's names. The
// top-level address fields are the default network's, as docker's are.
type NetworkSettings struct {
	SandboxKey  string                       `json:"SandboxKey"`
	Ports       map[string][]PortBinding     `json:"Ports"`
	IPAddress   string                       `json:"IPAddress"`
	IPPrefixLen int                          `json:"IPPrefixLen"`
	Gateway     string                       `json:"Gateway"`
	MacAddress  string                       `json:"MacAddress"`
	Networks    map[string]*EndpointSettings `json:"Networks"`
}

// EndpointSettings is one network of NetworkSettings.Networks.
type EndpointSettings struct {
	IPAMConfig  *EndpointIPAMConfig `json:"IPAMConfig"`
	Aliases     []string            `json:"Aliases"`
	Links       []string            `json:"Links"`
	NetworkID   string              `json:"NetworkID"`
	EndpointID  string              `json:"EndpointID"`
	Gateway     string              `json:"Gateway"`
	IPAddress   string              `json:"IPAddress"`
	IPPrefixLen int                 `json:"IPPrefixLen"`
	MacAddress  string              `json:"MacAddress"`
}

// EndpointIPAMConfig is the address asked for on a network (--ip).
type EndpointIPAMConfig struct {
	IPv4Address string `json:"IPv4Address"`
}

func (e *Engine) networkSettings(r *record, st *state) NetworkSettings {
	ns := NetworkSettings{Ports: map[string][]PortBinding{}, Networks: map[string]*EndpointSettings{}}
	for _, name := range r.networkNames() {
		es := &EndpointSettings{Aliases: r.Networks[name].Aliases, Links: r.Host.Links, MacAddress: r.Networks[name].MacAddress}
		if ip := r.Networks[name].IPv4Address; ip != "" {
			es.IPAMConfig = &EndpointIPAMConfig{IPv4Address: ip}
		}
		ns.Networks[name] = es
	}
	if !st.running() {
		return ns
	}
	if isNetworkName(r.Host.NetworkMode) {
		ns.SandboxKey = e.netnsPath(r.ID)
	}
	for _, ep := range st.Endpoints {
		es := ns.Networks[ep.Network]
		if es == nil {
			continue
		}
		es.NetworkID, es.EndpointID = ep.NetworkID, r.ID[:12]+"-"+ep.Interface
		es.Gateway, es.IPAddress, es.IPPrefixLen, es.MacAddress = ep.Gateway, ep.IPAddress, ep.IPPrefixLen, ep.MacAddress
		if ep.Network == network.DefaultName {
			ns.Gateway, ns.IPAddress, ns.IPPrefixLen, ns.MacAddress = ep.Gateway, ep.IPAddress, ep.IPPrefixLen, ep.MacAddress
		}
	}
	for key := range r.Host.PortBindings {
		ns.Ports[key] = nil
	}
	for _, p := range st.Ports {
		key := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		ns.Ports[key] = append(ns.Ports[key], PortBinding{HostIP: ip, HostPort: fmt.Sprint(p.HostPort)})
	}
	return ns
}

// Ports is `berth port`: the published ports of a running container,
// "80/tcp -> 0.0.0.0:8080" lines in container port order.
func (e *Engine) Ports(ref string) ([]PortMapping, error) {
	_, st, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	ports := append([]PortMapping(nil), st.Ports...)
	sort.Slice(ports, func(i, j int) bool {
		if ports[i].ContainerPort != ports[j].ContainerPort {
			return ports[i].ContainerPort < ports[j].ContainerPort
		}
		return ports[i].Protocol < ports[j].Protocol
	})
	return ports, nil
}

// detachDead undoes the network attachments of a container whose shim
// died, from what its state recorded: nothing is left behind. Its error
// says the state still lists the endpoints (CNI's DEL is idempotent: the
// next reconcile may run it again).
func (e *Engine) detachDead(r *record, st *state) error {
	if Rootless() {
		return e.detachDeadPasta(r) // rootlessnet.go
	}
	ctx := context.Background()
	ns := e.networks()
	for i := len(st.Endpoints) - 1; i >= 0; i-- {
		ep := st.Endpoints[i]
		n, err := ns.Get(ep.Network)
		if err != nil {
			continue
		}
		var p []PortMapping
		if ep.Network == r.Host.NetworkMode {
			p = st.Ports
		}
		ns.Detach(ctx, n, r.ID, e.netnsPath(r.ID), ep.Interface, p)
	}
	// A shim killed while it attached (its namespace made, endpoints
	// not yet recorded) may hold veths and address leases of any of the
	// container's networks: DEL of each, as attachNetworks numbers
	// them, is a no-op where nothing was added.
	if _, err := os.Lstat(e.netnsPath(r.ID)); err == nil && len(st.Endpoints) == 0 && isNetworkName(r.Host.NetworkMode) {
		names := r.networkNames()
		for i := len(names) - 1; i >= 0; i-- {
			if n, err := ns.Get(names[i]); err == nil {
				ns.Detach(ctx, n, r.ID, e.netnsPath(r.ID), ifname(i), nil)
			}
		}
	}
	network.RemoveNetns(e.netnsPath(r.ID))
	e.forgetPorts(r)
	if len(st.Endpoints) > 0 {
		if _, err := e.updateState(r.ID, func(s *state) error { s.Endpoints, s.Ports = nil, nil; return nil }); err != nil {
			return fmt.Errorf("container %s: recording its network detached: %w", r.ID[:12], err)
		}
		e.refreshPeers(r)
	}
	return nil
}
