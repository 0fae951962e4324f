package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

// ciFlags are dive's CI rules. Each is a number or "disabled"; a flag
// given wins over .dive-ci, which wins over dive's defaults.
type ciFlags struct {
	config                                     string
	efficiency, wastedBytes, userWastedPercent string
}

func (r *ciFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.config, "ci-config", ".dive-ci", "Rules file read by --ci when present")
	f.StringVar(&r.efficiency, "lowest-efficiency", "0.9", "--ci: fail below this efficiency (ratio 0-1, or disabled)")
	f.StringVar(&r.wastedBytes, "highest-wasted-bytes", "disabled", "--ci: fail at or above these wasted bytes (20MB, or disabled)")
	f.StringVar(&r.userWastedPercent, "highest-user-wasted-percent", "0.1", "--ci: fail at or above this wasted share of the non-base layers (ratio 0-1, or disabled)")
}

// ciResult is one rule's verdict.
type ciResult struct {
	Rule   string `json:"rule"`
	Status string `json:"status"` // PASS, FAIL, SKIP
	Detail string `json:"detail,omitempty"`
}

// runCI evaluates the rules on a and prints dive's CI report; it fails
// (exit 1) when a rule fails.
func runCI(cmd *cobra.Command, a *engine.LayerAnalysis, r ciFlags, asJSON bool) error {
	values := map[string]string{"lowestEfficiency": r.efficiency, "highestWastedBytes": r.wastedBytes, "highestUserWastedPercent": r.userWastedPercent}
	flagOf := map[string]string{"lowestEfficiency": "lowest-efficiency", "highestWastedBytes": "highest-wasted-bytes", "highestUserWastedPercent": "highest-user-wasted-percent"}
	if err := readDiveCI(r.config, cmd.Flags().Changed("ci-config"), values, func(k string) bool { return cmd.Flags().Changed(flagOf[k]) }); err != nil {
		return err
	}
	ef := a.Efficiency
	var results []ciResult
	check := func(rule string, parse func(string) (float64, error), fails func(float64) bool, detail func(float64) string) error {
		v := strings.TrimSpace(values[rule])
		if v == "disabled" || v == "" {
			results = append(results, ciResult{rule, "SKIP", "rule disabled"})
			return nil
		}
		t, err := parse(v)
		if err != nil {
			return fmt.Errorf("ci rule %s: bad value %q: %v", rule, v, err)
		}
		if fails(t) {
			results = append(results, ciResult{rule, "FAIL", detail(t)})
		} else {
			results = append(results, ciResult{Rule: rule, Status: "PASS"})
		}
		return nil
	}
	ratio := func(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64) }
	bytes := func(s string) (float64, error) { n, err := units.FromHumanSize(s); return float64(n), err }
	for _, err := range []error{
		check("highestUserWastedPercent", ratio, func(t float64) bool { return ef.UserWastedPercent >= t },
			func(t float64) string {
				return fmt.Sprintf("too many bytes wasted, relative to the user bytes added (%%-user-wasted-bytes=%.4f >= threshold=%v)", ef.UserWastedPercent, t)
			}),
		check("highestWastedBytes", bytes, func(t float64) bool { return float64(ef.WastedBytes) >= t },
			func(t float64) string {
				return fmt.Sprintf("too many bytes wasted (wasted-bytes=%d >= threshold=%.0f)", ef.WastedBytes, t)
			}),
		check("lowestEfficiency", ratio, func(t float64) bool { return ef.Score < t },
			func(t float64) string {
				return fmt.Sprintf("image efficiency is too low (efficiency=%.4f < threshold=%v)", ef.Score, t)
			}),
	} {
		if err != nil {
			return err
		}
	}
	return printCI(a, results, asJSON)
}

// readDiveCI reads dive's rules file (a "rules:" map of key: value) into
// values, for keys whose flag was not given. A missing file is fine
// unless it was named explicitly.
func readDiveCI(path string, explicit bool, values map[string]string, flagGiven func(string) bool) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ci rules file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if _, known := values[k]; ok && known && !flagGiven(k) {
			values[k] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return sc.Err()
}

func printCI(a *engine.LayerAnalysis, results []ciResult, asJSON bool) error {
	var failed []string
	for _, r := range results {
		if r.Status == "FAIL" {
			failed = append(failed, r.Rule)
		}
	}
	if asJSON {
		json.NewEncoder(os.Stdout).Encode(map[string]any{"efficiency": a.Efficiency, "rules": results, "pass": len(failed) == 0})
	} else {
		writeEfficiency(os.Stdout, a.Efficiency, 10)
		fmt.Println("\nResults:")
		for _, r := range results {
			fmt.Printf("  %s: %s", r.Status, r.Rule)
			if r.Detail != "" {
				fmt.Printf(": %s", r.Detail)
			}
			fmt.Println()
		}
	}
	if len(failed) > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("image fails %d of %d ci rules: %s", len(failed), len(results), strings.Join(failed, ", "))}
	}
	return nil
}
