// Command timeit runs a command N times after warm-ups and prints the
// median, minimum and maximum wall time: the measuring stick of the
// benchmark scripts under bench/, so every tool is timed the same way.
//
//	timeit -n 40 -label "berth run" -- berth run --rm busybox true
//
// With -json it prints {"label":..., "median_ms":...} instead.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"time"
)

func main() {
	n := flag.Int("n", 40, "timed runs")
	warm := flag.Int("warmup", 3, "untimed runs first")
	label := flag.String("label", "", "name printed for this command")
	asJSON := flag.Bool("json", false, "print JSON")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n N] [-warmup W] [-label L] [-json] -- COMMAND [ARG...]")
		os.Exit(2)
	}
	if *label == "" {
		*label = args[0]
	}
	run := func() time.Duration {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "timeit: %s: %v\n", *label, err)
			os.Exit(1)
		}
		return time.Since(start)
	}
	for i := 0; i < *warm; i++ {
		run()
	}
	times := make([]time.Duration, *n)
	for i := range times {
		times[i] = run()
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med := times[len(times)/2]
	if len(times)%2 == 0 {
		med = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(map[string]any{
			"label": *label, "n": *n, "median_ms": ms(med), "min_ms": ms(times[0]), "max_ms": ms(times[len(times)-1]),
		})
		return
	}
	fmt.Printf("%-36s n=%d median=%7.2fms min=%7.2fms max=%7.2fms\n", *label, *n, ms(med), ms(times[0]), ms(times[len(times)-1]))
}
