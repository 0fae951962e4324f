// Command timeit runs a command N times after warm-ups and prints the
// median, minimum and maximum wall time: the measuring stick of the
// benchmark scripts under bench/, so every tool is timed the same way and
// no tool beyond Go is needed.
//
//	timeit -n 40 -label "berth run --rm" -- berth run --rm busybox true
//
// With -json it prints one JSON line ({"key":..., "label":..., "median_ms":...})
// instead; -report FILE reads such lines and prints them as a table followed
// by the ratio of the first measurement's median to each other one's:
//
//	berth run --rm   n=40 median=  41.2ms min=  38.0ms max=  60.1ms
//	ratio berth/runc = 0.93x
//
// With -cpu-cgroup NAME, timeit runs in a cgroup of that name of its own
// (cgroup.go) and also reports the CPU time per run of everything the
// command started, its late work included: the table gains a cpu column
// and the ratios a CPU one.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// result is one measured command.
type result struct {
	Key      string  `json:"key"`   // short name used in ratios: berth, runc
	Label    string  `json:"label"` // what the table shows
	N        int     `json:"n"`
	MedianMS float64 `json:"median_ms"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
	// SamplesMS are the timed runs, so that -report can merge the lines
	// of one key measured in several rounds.
	SamplesMS []float64 `json:"samples_ms,omitempty"`
	// CPUMS is the CPU time per timed run of the command's whole process
	// tree (-cpu-cgroup): the group's total over the runs divided by
	// their number, so only a mean. 0: not measured.
	CPUMS float64 `json:"cpu_ms,omitempty"`
}

func main() {
	n := flag.Int("n", 40, "timed runs")
	warm := flag.Int("warmup", 3, "untimed runs first")
	label := flag.String("label", "", "name printed for this command (default: the command)")
	key := flag.String("key", "", "short name used in ratios (default: the label's first word)")
	asJSON := flag.Bool("json", false, "print one JSON line")
	report := flag.String("report", "", "print the table and ratios of a file of JSON lines, and exit")
	cgroup := flag.String("cpu-cgroup", "", "also measure CPU time per run in a cgroup of this name (made and removed)")
	flag.Parse()
	if *report != "" {
		if err := printReport(*report); err != nil {
			fmt.Fprintln(os.Stderr, "timeit:", err)
			os.Exit(1)
		}
		return
	}
	args := flag.Args()
	if len(args) == 0 || *n < 1 || *warm < 0 {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n N] [-warmup W] [-label L] [-key K] [-json] [-cpu-cgroup NAME] -- COMMAND [ARG...]\n       timeit -report FILE")
		os.Exit(2)
	}
	if *label == "" {
		*label = strings.Join(args, " ")
	}
	if *key == "" {
		*key = strings.Fields(*label)[0]
	}
	var g *cpuGroup
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "timeit: %s: %v\n", *label, err)
		if g != nil {
			if err := g.leave(); err != nil {
				fmt.Fprintf(os.Stderr, "timeit: %s: %v\n", *label, err)
			}
		}
		os.Exit(1)
	}
	run := func() time.Duration {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fail(err)
		}
		return time.Since(start)
	}
	if *cgroup != "" {
		var err error
		if g, err = joinCPUGroup(*cgroup); err != nil {
			g = nil
			fail(err)
		}
	}
	for i := 0; i < *warm; i++ {
		run()
	}
	var cpu0 time.Duration
	if g != nil {
		if err := g.settle(30 * time.Second); err != nil {
			fail(err)
		}
		var err error
		if cpu0, err = g.usage(); err != nil {
			fail(err)
		}
	}
	times := make([]time.Duration, *n)
	for i := range times {
		times[i] = run()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	samples := make([]float64, len(times))
	for i, t := range times {
		samples[i] = ms(t)
	}
	r := summarize(*key, *label, samples)
	if g != nil {
		if err := g.settle(30 * time.Second); err != nil {
			fail(err)
		}
		cpu1, err := g.usage()
		if err != nil {
			fail(err)
		}
		r.CPUMS = ms(cpu1-cpu0) / float64(*n)
		cg := g
		g = nil
		if err := cg.leave(); err != nil {
			fail(err)
		}
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	printTable([]result{r})
}

func printTable(rs []result) {
	w := 0
	for _, r := range rs {
		w = max(w, len(r.Label))
	}
	for _, r := range rs {
		cpu := ""
		if r.CPUMS > 0 {
			cpu = fmt.Sprintf(" cpu=%6.1fms", r.CPUMS)
		}
		fmt.Printf("%-*s  n=%d median=%6.1fms min=%6.1fms max=%6.1fms spread(p90-p10)=%6.1fms%s\n",
			w, r.Label, r.N, r.MedianMS, r.MinMS, r.MaxMS, spread(r), cpu)
	}
}

func printReport(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var rs []result
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(rs) == 0 {
		return fmt.Errorf("%s: no measurements", path)
	}
	rs = mergeRounds(rs)
	printTable(rs)
	for _, r := range rs[1:] {
		if r.MedianMS > 0 {
			fmt.Printf("ratio %s/%s = %.2fx", rs[0].Key, r.Key, rs[0].MedianMS/r.MedianMS)
			if rs[0].CPUMS > 0 && r.CPUMS > 0 {
				fmt.Printf("  cpu %.2fx", rs[0].CPUMS/r.CPUMS)
			}
			fmt.Println()
		}
	}
	return nil
}

// summarize is the result of one command's timed runs.
func summarize(key, label string, samples []float64) result {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return result{Key: key, Label: label, N: len(s), MedianMS: med, MinMS: s[0], MaxMS: s[len(s)-1], SamplesMS: samples}
}

// mergeRounds joins the lines of one key (a command measured in several
// rounds, alternating with its peers so that a noisy spell of the machine
// falls on all of them) into one, over all their runs, in first-seen order.
func mergeRounds(rs []result) []result {
	var out []result
	at := map[string]int{}
	for _, r := range rs {
		i, seen := at[r.Key]
		if !seen {
			at[r.Key] = len(out)
			out = append(out, r)
			continue
		}
		if len(out[i].SamplesMS) == 0 || len(r.SamplesMS) == 0 {
			continue // an old line without its runs: keep the first
		}
		prev := out[i]
		out[i] = summarize(r.Key, prev.Label, append(prev.SamplesMS, r.SamplesMS...))
		// CPU: the mean over all runs; a round that was not measured
		// leaves the others'.
		switch {
		case prev.CPUMS > 0 && r.CPUMS > 0:
			out[i].CPUMS = (prev.CPUMS*float64(prev.N) + r.CPUMS*float64(r.N)) / float64(prev.N+r.N)
		case prev.CPUMS > 0:
			out[i].CPUMS = prev.CPUMS
		default:
			out[i].CPUMS = r.CPUMS
		}
	}
	return out
}

// spread is the width of the middle 80% of the runs (p90 - p10): the
// noise a ratio of medians should be read against.
func spread(r result) float64 {
	if len(r.SamplesMS) < 2 {
		return r.MaxMS - r.MinMS
	}
	s := append([]float64(nil), r.SamplesMS...)
	sort.Float64s(s)
	at := func(q float64) float64 { return s[int(q*float64(len(s)-1)+0.5)] }
	return at(0.9) - at(0.1)
}
