package network

import (
	"fmt"
	"net"

	"github.com/berthdev/berth/internal/errdefs"
)

// CheckStatic checks a fixed address asked of n (docker's --ip and
// --mac-address): the IP is an IPv4 address of n's subnet that a container
// may hold (not the subnet's own address, its broadcast or the gateway);
// the MAC is a unicast Ethernet address. Whether the IP is free is known
// only when it is claimed: Attach refuses one another container holds.
func (n *Network) CheckStatic(st Static) error {
	if st.MAC != "" {
		if err := CheckMAC(st.MAC); err != nil {
			return err
		}
	}
	if st.IP == "" {
		return nil
	}
	ip := net.ParseIP(st.IP)
	if ip == nil || ip.To4() == nil || ip.String() != st.IP {
		return fmt.Errorf("invalid IPv4 address: %q: %w", st.IP, errdefs.ErrInvalid)
	}
	_, sub, err := net.ParseCIDR(n.Subnet())
	if err != nil || !sub.Contains(ip) {
		return fmt.Errorf("network %s: address %s: it does not belong to any of this network's subnets (%s): %w", n.Name, st.IP, n.Subnet(), errdefs.ErrInvalid)
	}
	ip4 := ip.To4()
	bcast := make(net.IP, 4)
	for i := range bcast {
		bcast[i] = sub.IP.To4()[i] | ^sub.Mask[i]
	}
	switch {
	case ip4.Equal(sub.IP):
		return fmt.Errorf("network %s: address %s: is the subnet's own address: %w", n.Name, st.IP, errdefs.ErrInvalid)
	case ip4.Equal(bcast):
		return fmt.Errorf("network %s: address %s: is the subnet's broadcast address: %w", n.Name, st.IP, errdefs.ErrInvalid)
	case ip4.Equal(net.ParseIP(n.Gateway())):
		return fmt.Errorf("network %s: address %s: already in use (the network's gateway): %w", n.Name, st.IP, errdefs.ErrAlreadyExists)
	}
	return nil
}

// CheckMAC accepts a unicast Ethernet (48-bit) address, as docker's
// --mac-address does.
func CheckMAC(s string) error {
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return fmt.Errorf("%s is not a valid mac address: %w", s, errdefs.ErrInvalid)
	}
	if hw[0]&1 == 1 {
		return fmt.Errorf("%s is not a valid mac address: a multicast address: %w", s, errdefs.ErrInvalid)
	}
	return nil
}
