package network

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Docker lists three networks on a fresh host: bridge (berth's default
// network, defined on first use), host and none. host and none have no
// definition file, bridge or addresses: a container joins them with
// --network host (the host's namespace) or --network none (loopback only).
const (
	HostName = "host"
	NoneName = "none"
)

// predefinedDrivers are the drivers docker names host and none by.
var predefinedDrivers = map[string]string{HostName: "host", NoneName: "null"}

// IsPredefined says whether name is host or none.
func IsPredefined(name string) bool { _, ok := predefinedDrivers[name]; return ok }

// Predefined returns the host or none network of this store, created at
// created (the default network's time, as docker's are the daemon's).
// Their IDs are stable per store and look like any other network's.
func (s *Store) Predefined(name string, created time.Time) (*Network, bool) {
	driver, ok := predefinedDrivers[name]
	if !ok {
		return nil, false
	}
	return &Network{Name: name, ID: stableID(name, s.key), Created: created, Scope: "local", Driver: driver,
		IPAM: IPAM{Driver: "default", Config: []IPAMConfig{}}, Options: map[string]string{}, Labels: map[string]string{}}, true
}

// stableID is a network ID derived from a name and the store's key: 64 hex
// digits, as docker's, never padded.
func stableID(name, key string) string {
	sum := sha256.Sum256([]byte("berth network " + name + " " + key))
	return hex.EncodeToString(sum[:])
}
