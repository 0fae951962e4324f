package tui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/berthdev/berth/engine"
)

// TestViewsStatsLimits renders the Stats tab of a container held to half
// a CPU: the CPU title gives the share of that limit and the graph's
// scale is the limit; memory reads as docker stats' MEM USAGE / LIMIT
// (testdata/TestViewsStatsLimits).
func TestViewsStatsLimits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			f := world()
			web, err := f.Container("web")
			if err != nil {
				t.Fatal(err)
			}
			f.hosts = map[string]engine.HostConfig{web.ID: {NanoCPUs: 500_000_000, CpusetCpus: "0"}}
			h := start(t, f, size[0], size[1])
			h.waitFor("25.0%")
			h.press(h.km.Stats)
			// 13.5 % of one core is 27 % of half a CPU.
			h.waitFor("CPU 13.5% of one core · 27.0% of its 0.5-CPU limit", "╌ limit 0.5 CPUs",
				"MEMORY 37MiB / 64MiB · 57.8% · peak 40MiB")
			golden.RequireEqualEscape(t, []byte(h.frame()), true)
		})
	}
}
