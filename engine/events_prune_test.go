package engine

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestUnitEventsVolumeAndNetwork: volume create, destroy and prune are
// events, as docker's (`volume prune` ends with a prune event that says
// what it reclaimed); a network prune too.
func TestUnitEventsVolumeAndNetwork(t *testing.T) {
	e := unitEngine(t)
	start := time.Now().Add(-time.Second)
	if _, err := e.CreateVolume(VolumeCreateOptions{Name: "keep"}); err != nil {
		t.Fatalf("CreateVolume(keep) = %v", err)
	}
	if _, err := e.CreateVolume(VolumeCreateOptions{Name: "gone"}); err != nil {
		t.Fatalf("CreateVolume(gone) = %v", err)
	}
	if err := e.RemoveVolume("keep", false); err != nil {
		t.Fatalf("RemoveVolume(keep) = %v", err)
	}
	if _, _, err := e.PruneVolumes(true); err != nil {
		t.Fatalf("PruneVolumes(true) = %v", err)
	}
	if _, err := e.PruneNetworks(); err != nil {
		t.Fatalf("PruneNetworks() = %v", err)
	}
	var got []string
	err := e.Events(context.Background(), EventFilter{Since: start}, func(ev Event) error {
		s := ev.Type + " " + ev.Action + " " + ev.Actor.ID
		if r, ok := ev.Actor.Attributes["reclaimed"]; ok {
			s += " reclaimed=" + r
		}
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatalf("Events = %v", err)
	}
	want := []string{"volume create keep", "volume create gone", "volume destroy keep", "volume destroy gone",
		"volume prune  reclaimed=0", "network prune  reclaimed=0"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}
