package stats

import (
	"testing"
	"time"
)

func TestSeriesRing(t *testing.T) {
	t0 := time.Unix(1000, 0)
	se := &series{}
	// CPU time grows by half a second per second: 50% of a core, 25% of two.
	for i := 0; i < 7; i++ {
		se.push(&ContainerStats{Read: t0.Add(time.Duration(i) * time.Second),
			CgroupStats: CgroupStats{CPUUsage: time.Duration(i) * 500 * time.Millisecond}, OnlineCPUs: 2}, 3)
	}
	got := se.ordered()
	if len(got) != 3 || !got[0].Read.Equal(t0.Add(4*time.Second)) || !got[2].Read.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("ring of 3 after 7 pushes: %v", got)
	}
	last, ok := se.latest()
	if !ok || !last.Read.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("latest = %v, %v", last.Read, ok)
	}
	for _, s := range got {
		if s.CPUPercent < 49.9 || s.CPUPercent > 50.1 || s.CPUHostPercent < 24.9 || s.CPUHostPercent > 25.1 {
			t.Errorf("reading at %v: CPU %v%%, host %v%%; want 50, 25", s.Read, s.CPUPercent, s.CPUHostPercent)
		}
	}
}

func TestRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name      string
		prev, cur ContainerStats
		want      float64
	}{
		{"two cores busy", ContainerStats{Read: t0}, ContainerStats{Read: t0.Add(time.Second), CgroupStats: CgroupStats{CPUUsage: 2 * time.Second}, OnlineCPUs: 4}, 200},
		{"counter went back (restart)", ContainerStats{Read: t0, CgroupStats: CgroupStats{CPUUsage: time.Hour}}, ContainerStats{Read: t0.Add(time.Second)}, 0},
		{"same instant", ContainerStats{Read: t0}, ContainerStats{Read: t0, CgroupStats: CgroupStats{CPUUsage: time.Second}}, 0},
	}
	for _, tc := range tests {
		cur := tc.cur
		Rate(&tc.prev, &cur)
		if cur.CPUPercent != tc.want {
			t.Errorf("%s: CPUPercent = %v, want %v", tc.name, cur.CPUPercent, tc.want)
		}
	}
	Rate(nil, &ContainerStats{}) // no previous reading: nothing to do, no panic
}
