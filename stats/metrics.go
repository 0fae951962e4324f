package stats

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Handler serves the running containers' figures for Prometheus, with
// cAdvisor's container_* metric names and its id, name and image labels,
// so dashboards made for cAdvisor work. Every scrape reads the cgroups
// afresh (running lists the containers): nothing is sampled between
// scrapes. It writes Prometheus's text exposition format (version 0.0.4)
// itself: the client library's package initialisation alone cost every
// berth process, a container's init included, most of a millisecond.
func Handler(running func() ([]Target, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := running()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		var rows []metricRow
		for _, t := range list {
			s, err := Read(t)
			if err != nil {
				continue // stopped meanwhile
			}
			rows = append(rows, metricRow{labels: labelSet("/berth/"+t.ID, s.Name, t.Image), s: s})
		}
		writeMetrics(w, rows)
	})
}

// The two kinds of metric berth serves.
const (
	counter = "counter"
	gauge   = "gauge"
)

type containerMetric struct {
	name, help, kind string
	value            func(*ContainerStats) float64
}

func newMetric(name, help, kind string, v func(*ContainerStats) float64) containerMetric {
	return containerMetric{name, help, kind, v}
}

// metricRow is one container's labels and figures.
type metricRow struct {
	labels string
	s      *ContainerStats
}

// writeMetrics writes every metric family with a sample per row, families
// by name and samples by labels, as Prometheus's client library orders
// them; a family without samples is left out.
func writeMetrics(w io.Writer, rows []metricRow) error {
	if len(rows) == 0 {
		return nil
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].labels < rows[j].labels })
	fams := append([]containerMetric(nil), containerMetrics...)
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	bw := bufio.NewWriter(w)
	for _, m := range fams {
		bw.WriteString("# HELP " + m.name + " " + helpEscaper.Replace(m.help) + "\n")
		bw.WriteString("# TYPE " + m.name + " " + m.kind + "\n")
		for _, r := range rows {
			bw.WriteString(m.name + r.labels + " " + formatSample(m.value(r.s)) + "\n")
		}
	}
	return bw.Flush()
}

// labelSet is {id="…",image="…",name="…"} (labels in name order, as
// Prometheus's client library writes them) with the values escaped.
func labelSet(id, name, image string) string {
	return `{id="` + labelEscaper.Replace(id) + `",image="` + labelEscaper.Replace(image) + `",name="` + labelEscaper.Replace(name) + `"}`
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// formatSample writes a value as the text format wants it.
func formatSample(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var containerMetrics = []containerMetric{
	newMetric("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds.", counter,
		func(s *ContainerStats) float64 { return s.CPUUsage.Seconds() }),
	newMetric("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds.", counter,
		func(s *ContainerStats) float64 { return s.CPUUser.Seconds() }),
	newMetric("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds.", counter,
		func(s *ContainerStats) float64 { return s.CPUSystem.Seconds() }),
	newMetric("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", counter,
		func(s *ContainerStats) float64 { return float64(s.Periods) }),
	newMetric("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", counter,
		func(s *ContainerStats) float64 { return float64(s.ThrottledPeriods) }),
	newMetric("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", counter,
		func(s *ContainerStats) float64 { return s.ThrottledTime.Seconds() }),
	newMetric("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.", gauge,
		func(s *ContainerStats) float64 { return float64(s.MemoryUsage) }),
	newMetric("container_memory_working_set_bytes", "Current working set in bytes.", gauge,
		func(s *ContainerStats) float64 { return float64(s.MemoryWorkingSet) }),
	newMetric("container_memory_rss", "Size of RSS (anonymous memory) in bytes.", gauge,
		func(s *ContainerStats) float64 { return float64(s.MemoryAnon) }),
	newMetric("container_memory_cache", "Number of bytes of page cache memory.", gauge,
		func(s *ContainerStats) float64 { return float64(s.MemoryCache) }),
	newMetric("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes.", gauge,
		func(s *ContainerStats) float64 { return float64(s.MemoryPeak) }),
	newMetric("container_spec_memory_limit_bytes", "Memory limit for the container (0 for none).", gauge,
		func(s *ContainerStats) float64 {
			if !s.MemoryLimited {
				return 0
			}
			return float64(s.MemoryLimit)
		}),
	newMetric("container_oom_events_total", "Count of out of memory events observed for the container.", counter,
		func(s *ContainerStats) float64 { return float64(s.OOMKills) }),
	newMetric("container_processes", "Number of processes running inside the container.", gauge,
		func(s *ContainerStats) float64 { return float64(s.PIDs) }),
	newMetric("container_network_receive_bytes_total", "Cumulative count of bytes received.", counter,
		func(s *ContainerStats) float64 { return float64(s.NetRx) }),
	newMetric("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.", counter,
		func(s *ContainerStats) float64 { return float64(s.NetTx) }),
	newMetric("container_fs_reads_bytes_total", "Cumulative count of bytes read.", counter,
		func(s *ContainerStats) float64 { return float64(s.BlockRead) }),
	newMetric("container_fs_writes_bytes_total", "Cumulative count of bytes written.", counter,
		func(s *ContainerStats) float64 { return float64(s.BlockWrite) }),
	newMetric("container_last_seen", "Last time the container was seen by the exporter.", gauge,
		func(s *ContainerStats) float64 { return float64(s.Read.UnixNano()) / 1e9 }),
}
