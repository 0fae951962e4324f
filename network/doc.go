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
// on berth<6 hex of its hash>, so two stores never share one.
package network
