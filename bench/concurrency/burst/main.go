// Command burst starts C copies of a command at once, R times, and writes
// what a class of C users starting containers together would see, as
// bench/timeit's JSON lines (so `timeit -report` prints and compares them):
//
//   - to -latency FILE: one sample per copy, the wall time from the burst's
//     start to that copy's exit (what each user waits);
//
//   - to -wall FILE: one sample per burst, until the last copy exited (the
//     class's throughput is C divided by it).
//
//     burst -c 30 -r 3 -key berth -label "berth run --rm" -latency l.jsonl -wall w.jsonl -- berth run --rm busybox true
//
// A copy that fails fails the burst (its stderr is passed through): a
// bench must not time errors.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"
)

// result is bench/timeit's JSON line.
type result struct {
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	N         int       `json:"n"`
	MedianMS  float64   `json:"median_ms"`
	MinMS     float64   `json:"min_ms"`
	MaxMS     float64   `json:"max_ms"`
	SamplesMS []float64 `json:"samples_ms,omitempty"`
}

func main() {
	c := flag.Int("c", 30, "copies started at once")
	r := flag.Int("r", 1, "bursts")
	key := flag.String("key", "", "short name used in ratios")
	label := flag.String("label", "", "name printed for this command")
	latency := flag.String("latency", "", "append the per-copy latencies to this file")
	wall := flag.String("wall", "", "append the per-burst wall times to this file")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *c < 1 || *r < 1 || *key == "" || *latency == "" || *wall == "" {
		fmt.Fprintln(os.Stderr, "usage: burst -c C -r R -key K -label L -latency FILE -wall FILE -- COMMAND [ARG...]")
		os.Exit(2)
	}
	if *label == "" {
		*label = *key
	}
	var lat, walls []float64
	for i := 0; i < *r; i++ {
		l, w, err := burst(*c, args)
		if err != nil {
			fmt.Fprintf(os.Stderr, "burst: %s: %v\n", *label, err)
			os.Exit(1)
		}
		lat, walls = append(lat, l...), append(walls, w)
	}
	for _, o := range []struct {
		file, label string
		samples     []float64
	}{
		{*latency, fmt.Sprintf("%s (each of %d at once)", *label, *c), lat},
		{*wall, fmt.Sprintf("%s (all %d at once)", *label, *c), walls},
	} {
		if err := appendJSON(o.file, summarize(*key, o.label, o.samples)); err != nil {
			fmt.Fprintln(os.Stderr, "burst:", err)
			os.Exit(1)
		}
	}
}

// burst starts c copies of args together and returns each one's time to
// exit and the time until the last exited, in milliseconds.
func burst(c int, args []string) ([]float64, float64, error) {
	lat := make([]float64, c)
	errs := make([]error, c)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range c {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cmd.Wait()
			lat[i] = ms(time.Since(start))
		}()
	}
	wg.Wait()
	w := ms(time.Since(start))
	for i, err := range errs {
		if err != nil {
			return nil, 0, fmt.Errorf("copy %d of %d: %w", i+1, c, err)
		}
	}
	return lat, w, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func summarize(key, label string, samples []float64) result {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return result{Key: key, Label: label, N: len(s), MedianMS: med, MinMS: s[0], MaxMS: s[len(s)-1], SamplesMS: samples}
}

func appendJSON(path string, r result) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(f).Encode(r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
