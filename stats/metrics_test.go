package stats

import (
	"strings"
	"testing"
	"time"
)

func TestMetricsTextFormat(t *testing.T) {
	a := &ContainerStats{}
	a.CPUUsage, a.MemoryUsage, a.PIDs = 1500*time.Millisecond, 1<<20, 3
	b := &ContainerStats{}
	b.MemoryUsage = 2 << 30
	var out strings.Builder
	writeMetrics(&out, []metricRow{
		{labels: labelSet("/berth/bb", "web", "busybox"), s: b},
		{labels: labelSet("/berth/aa", `we"ird\name`, "x\ny"), s: a},
	})
	text := out.String()
	for _, want := range []string{
		"# HELP container_cpu_usage_seconds_total Cumulative CPU time consumed in seconds.\n# TYPE container_cpu_usage_seconds_total counter\n" +
			`container_cpu_usage_seconds_total{id="/berth/aa",image="x\ny",name="we\"ird\\name"} 1.5` + "\n" +
			`container_cpu_usage_seconds_total{id="/berth/bb",image="busybox",name="web"} 0` + "\n",
		`container_memory_usage_bytes{id="/berth/bb",image="busybox",name="web"} 2.147483648e+09`,
		"# TYPE container_processes gauge\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	// Families come sorted by name.
	if strings.Index(text, "container_cpu_cfs_periods_total") > strings.Index(text, "container_cpu_usage_seconds_total") {
		t.Error("families are not sorted by name")
	}
	out.Reset()
	writeMetrics(&out, nil)
	if out.Len() != 0 {
		t.Errorf("no containers, yet: %q", out.String())
	}
}
