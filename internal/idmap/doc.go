// Package idmap owns user-namespace ID maps: parsing and checking them
// (podman's CONTAINER:HOST:SIZE), the subordinate ID ranges of
// /etc/subuid and /etc/subgid (reading them, and adding one entry without
// touching the others), and the kernel objects a map needs on the host: a
// user namespace holding it (NewUserns) and idmapped mounts through it
// (Mount), with which the image's layers are shared unchanged by
// containers of any map.
package idmap
