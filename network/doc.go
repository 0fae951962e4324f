// Package network owns berth's container networks: their definitions on
// disk (<store>/networks/<name>.json), the subnet each one gets, and
// attaching a container's network namespace to them through CNI (libcni
// driving Debian's standard plugins: bridge with host-local IPAM, portmap,
// firewall, loopback). It writes no NAT rule and allocates no address by
// hand: the plugins do, and their DEL undoes it.
//
// Traffic stays on the machine: a berth bridge masquerades nothing and its
// containers get no default route, only their subnet's, so they reach the
// host, the bridge's other members and published ports, and nothing beyond.
//
// Each store has its own bridges and subnets: the default network of the
// default store is "bridge" on berth0; another store's default network is
// on berth<6 hex of its hash>, and a user network on br-<12 hex of its ID>.
// A network's bridge is made when the network is defined, under a
// host-wide lock (/run/berth-networks.lock), so that its route holds the
// subnet against other stores planning at the same time; the bridge carries
// the path of its definition as its interface alias, and once that is gone
// (a deleted store) the next plan of any store deletes the bridge and frees
// the subnet. A name whose bridge carries another live definition is not
// taken over: the network gets the next free one of NAME-1, NAME-2, ...,
// recorded in its definition, so stores whose hashes share their first
// digits never share a bridge. When a bridge must be remade (after a
// reboot) and another store has taken its name meanwhile, the network
// moves on in the same way; if that store has taken its subnet, the default
// network gets a new one, and a user network is refused rather than routed
// twice.
//
// A published port is held on the host by the shim of its container, a
// socket bound on HostIP:HostPort for as long as the port mapping exists
// (as docker's proxy and conmon hold theirs), so a host process or another
// store cannot bind it meanwhile. Who holds which port is recorded in the
// host-wide register /run/berth-ports/, written under its flock
// (/run/berth-ports/lock), so that a container refused a port is told the
// holder: a container, with its store when another, or a host process
// (see hold.go).
//
// Published ports answer on 127.0.0.1 because the portmap plugin (snat on)
// sets route_localnet on the network's bridge only. A container's
// resolv.conf keeps the host's search and options lines but no nameserver:
// no resolver beyond the machine is reachable, nor one on the host's
// loopback; container names resolve through /etc/hosts.
package network
