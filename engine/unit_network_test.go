package engine

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/testutil"
	"github.com/berthdev/berth/network"
)

func onNet(name, net string) CreateOptions {
	return CreateOptions{Name: name, Image: "unit:1", Host: HostConfig{NetworkMode: net}}
}

// TestUnitNetworkMembers: a network lists its running containers with
// their addresses and no stopped one (docker's inspect: a stopped
// container has no endpoint); a network a stopped container will join
// is still in use, and prune keeps it.
func TestUnitNetworkMembers(t *testing.T) {
	testutil.RequiresRoot(t) // a network is created under the host-wide /run/berth-networks.lock
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	ctx := context.Background()
	for _, name := range []string{"front", "spare"} {
		if _, err := e.CreateNetwork(NetworkCreateOptions{Name: name}); err != nil {
			t.Fatalf("CreateNetwork(%s) = %v", name, err)
		}
	}
	if _, err := e.CreateNetwork(NetworkCreateOptions{Name: "front"}); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Errorf("CreateNetwork(front) again = %v, want already exists", err)
	}
	up := mustCreate(t, e, onNet("up", "front"))
	down := mustCreate(t, e, onNet("down", "front"))
	setState(t, e, up, func(s *state) {
		running(s)
		s.Endpoints = []Endpoint{{Network: "front", Interface: "eth0", IPAddress: "10.89.0.2", IPPrefixLen: 24, MacAddress: "02:42:0a:59:00:02"}}
	})
	setState(t, e, down, exited(0))

	got, err := e.InspectNetwork("front")
	if err != nil {
		t.Fatalf("InspectNetwork(front) = %v", err)
	}
	if len(got.Containers) != 1 {
		t.Fatalf("front's containers = %+v, want only the running one", got.Containers)
	}
	m, ok := got.Containers[up]
	if !ok || m.Name != "up" || m.IPv4Address != "10.89.0.2/24" || m.EndpointID != up[:12]+"-eth0" {
		t.Errorf("front's member = %+v, want up at 10.89.0.2/24", got.Containers)
	}

	list, err := e.Networks()
	if err != nil {
		t.Fatalf("Networks() = %v", err)
	}
	var names []string
	for _, n := range list {
		names = append(names, n.Name)
		if n.Name == "front" && len(n.Containers) != 1 {
			t.Errorf("ls: front has %d containers, want 1", len(n.Containers))
		}
	}
	if want := []string{network.DefaultName, "front", network.HostName, network.NoneName, "spare"}; !slices.Equal(names, want) {
		t.Errorf("Networks() = %v, want %v (by name)", names, want)
	}

	setState(t, e, up, exited(0))
	if err := e.RemoveNetwork("front"); !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("RemoveNetwork(front) with stopped members = %v, want in use", err)
	}
	gone, err := e.PruneNetworks()
	if err != nil || !slices.Equal(gone, []string{"spare"}) {
		t.Errorf("PruneNetworks() = %v, %v, want [spare]", gone, err)
	}
	for _, id := range []string{up, down} {
		if err := e.Remove(ctx, id, false); err != nil {
			t.Fatalf("Remove(%s) = %v", id, err)
		}
	}
	if err := e.RemoveNetwork("front"); err != nil {
		t.Errorf("RemoveNetwork(front) once empty = %v", err)
	}
	if _, err := e.InspectNetwork("front"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("InspectNetwork(front) after removal = %v, want not found", err)
	}
}

// TestUnitNetworkPredefined: host and none are listed and inspectable but
// cannot be removed, connected to or disconnected from.
func TestUnitNetworkPredefined(t *testing.T) {
	testutil.RequiresRoot(t) // a network is created under the host-wide /run/berth-networks.lock
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	ctx := context.Background()
	mustCreate(t, e, onNet("c", network.DefaultName))
	for _, name := range []string{network.HostName, network.NoneName} {
		n, err := e.InspectNetwork(name)
		if err != nil || n.Name != name || len(n.Containers) != 0 {
			t.Errorf("InspectNetwork(%s) = %+v, %v", name, n, err)
			continue
		}
		if byID, err := e.InspectNetwork(n.ID[:12]); err != nil || byID.Name != name {
			t.Errorf("InspectNetwork(%s's ID prefix) = %+v, %v", name, byID, err)
		}
		if err := e.RemoveNetwork(name); !errors.Is(err, errdefs.ErrFailedPrecondition) {
			t.Errorf("RemoveNetwork(%s) = %v, want refused", name, err)
		}
		if err := e.Connect(ctx, name, "c", nil); !errors.Is(err, errdefs.ErrFailedPrecondition) {
			t.Errorf("Connect(%s) = %v, want refused", name, err)
		}
		if err := e.Disconnect(ctx, name, "c"); !errors.Is(err, errdefs.ErrFailedPrecondition) {
			t.Errorf("Disconnect(%s) = %v, want refused", name, err)
		}
	}
}

// TestUnitConnectStopped: a stopped container connected to a network
// joins it at its next start (its record), once; its primary network
// cannot be disconnected; aliases need a user network.
func TestUnitConnectStopped(t *testing.T) {
	testutil.RequiresRoot(t) // a network is created under the host-wide /run/berth-networks.lock
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	ctx := context.Background()
	if _, err := e.CreateNetwork(NetworkCreateOptions{Name: "back"}); err != nil {
		t.Fatal(err)
	}
	c := mustCreate(t, e, onNet("c", network.DefaultName))
	mustCreate(t, e, CreateOptions{Name: "isolated", Image: "unit:1", Host: HostConfig{NetworkMode: "none"}})
	mustCreate(t, e, onNet("u", "back"))

	if err := e.Connect(ctx, "back", "c", []string{"db"}); err != nil {
		t.Fatalf("Connect(back, c) = %v", err)
	}
	r, _ := e.loadRecord(c)
	if got := r.Networks["back"].Aliases; !slices.Equal(got, []string{"db"}) {
		t.Errorf("record after connect: back's aliases = %v", got)
	}
	if names := r.networkNames(); !slices.Equal(names, []string{network.DefaultName, "back"}) {
		t.Errorf("networkNames() = %v, want its mode first", names)
	}
	for _, tc := range []struct {
		name string
		err  error
		do   func() error
	}{
		{"connect twice", errdefs.ErrAlreadyExists, func() error { return e.Connect(ctx, "back", "c", nil) }},
		{"connect primary", errdefs.ErrAlreadyExists, func() error { return e.Connect(ctx, network.DefaultName, "c", nil) }},
		{"alias on default", errdefs.ErrInvalid, func() error {
			return e.Connect(ctx, network.DefaultName, "u", []string{"x"})
		}},
		{"unknown network", errdefs.ErrNotFound, func() error { return e.Connect(ctx, "nosuch", "c", nil) }},
		{"unknown container", errdefs.ErrNotFound, func() error { return e.Connect(ctx, "back", "nosuch", nil) }},
		{"disconnect primary", errdefs.ErrFailedPrecondition, func() error { return e.Disconnect(ctx, network.DefaultName, "c") }},
	} {
		if err := tc.do(); !errors.Is(err, tc.err) {
			t.Errorf("%s = %v, want %v", tc.name, err, tc.err)
		}
	}
	if err := e.Connect(ctx, "back", "isolated", nil); !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("Connect(back, a --network none container) = %v, want refused", err)
	}
	if err := e.Disconnect(ctx, "back", "c"); err != nil {
		t.Fatalf("Disconnect(back, c) = %v", err)
	}
	if r, _ := e.loadRecord(c); slices.Contains(r.networkNames(), "back") {
		t.Errorf("record after disconnect still joins back: %+v", r.Networks)
	}
	if err := e.Disconnect(ctx, "back", "c"); !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("Disconnect(back, c) twice = %v, want not connected", err)
	}
}
