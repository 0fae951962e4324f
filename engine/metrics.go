package engine

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the running containers' figures for Prometheus,
// with cAdvisor's container_* metric names and its id, name and image
// labels, so dashboards made for cAdvisor work. Every scrape reads the
// cgroups afresh: nothing is sampled between scrapes.
func (e *Engine) MetricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&promCollector{e: e})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

type promMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*ContainerStats) float64
}

var metricLabels = []string{"id", "name", "image"}

func newPromMetric(name, help string, kind prometheus.ValueType, v func(*ContainerStats) float64) promMetric {
	return promMetric{prometheus.NewDesc(name, help, metricLabels, nil), kind, v}
}

var containerMetrics = []promMetric{
	newPromMetric("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return s.CPUUsage.Seconds() }),
	newPromMetric("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return s.CPUUser.Seconds() }),
	newPromMetric("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return s.CPUSystem.Seconds() }),
	newPromMetric("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.Periods) }),
	newPromMetric("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.ThrottledPeriods) }),
	newPromMetric("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return s.ThrottledTime.Seconds() }),
	newPromMetric("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.MemoryUsage) }),
	newPromMetric("container_memory_working_set_bytes", "Current working set in bytes.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.MemoryWorkingSet) }),
	newPromMetric("container_memory_rss", "Size of RSS (anonymous memory) in bytes.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.MemoryAnon) }),
	newPromMetric("container_memory_cache", "Number of bytes of page cache memory.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.MemoryCache) }),
	newPromMetric("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.MemoryPeak) }),
	newPromMetric("container_spec_memory_limit_bytes", "Memory limit for the container (0 for none).", prometheus.GaugeValue,
		func(s *ContainerStats) float64 {
			if !s.MemoryLimited {
				return 0
			}
			return float64(s.MemoryLimit)
		}),
	newPromMetric("container_oom_events_total", "Count of out of memory events observed for the container.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.OOMKills) }),
	newPromMetric("container_processes", "Number of processes running inside the container.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.PIDs) }),
	newPromMetric("container_network_receive_bytes_total", "Cumulative count of bytes received.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.NetRx) }),
	newPromMetric("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.NetTx) }),
	newPromMetric("container_fs_reads_bytes_total", "Cumulative count of bytes read.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.BlockRead) }),
	newPromMetric("container_fs_writes_bytes_total", "Cumulative count of bytes written.", prometheus.CounterValue,
		func(s *ContainerStats) float64 { return float64(s.BlockWrite) }),
	newPromMetric("container_last_seen", "Last time the container was seen by the exporter.", prometheus.GaugeValue,
		func(s *ContainerStats) float64 { return float64(s.Read.UnixNano()) / 1e9 }),
}

type promCollector struct{ e *Engine }

func (c *promCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range containerMetrics {
		ch <- m.desc
	}
}

// Collect reads every running container; one that stops meanwhile is left out.
func (c *promCollector) Collect(ch chan<- prometheus.Metric) {
	list, err := c.e.List(false)
	if err != nil {
		return
	}
	for _, cs := range list {
		s, err := c.e.Stats(cs.ID)
		if err != nil {
			continue
		}
		lv := []string{"/berth/" + cs.ID, s.Name, cs.Image}
		for _, m := range containerMetrics {
			ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(s), lv...)
		}
	}
}
