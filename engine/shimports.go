package engine

import (
	"os"

	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/network"
)

// holdPorts holds on the host every port r publishes, for as long as the
// shim that calls it keeps the returned Held (see network/hold.go): a host
// process, or another store, that binds one of them then fails, and one
// that holds one already makes this fail, named. Ports given as 0 or none
// are chosen by the kernel here.
func (e *Engine) holdPorts(r *record) ([]PortMapping, *network.Held, error) {
	if len(r.Host.PortBindings) == 0 {
		return nil, nil, nil
	}
	me := os.Getpid()
	return network.HostPorts().Hold(r.Host.PortBindings, network.Holder{
		Container: r.Name, ID: r.ID, Store: e.root, Pid: me, Start: inspect.StartTime(me),
	})
}

// forgetPorts drops the register's records of a container whose shim
// died; the kernel closed its sockets.
func (e *Engine) forgetPorts(r *record) { network.HostPorts().Forget(r.ID) }
