package main

import (
	"fmt"
	"math"
	"strconv"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newUpdateCmd) }

// newUpdateCmd is docker's update: new limits for containers, applied at
// once to running ones; each container is printed as named when done.
func newUpdateCmd(c *cli) *cobra.Command {
	var memory, memorySwap, memoryReservation, cpus, cpusetCpus, cpusetMems, restart string
	var cpuShares, pidsLimit int64
	cmd := &cobra.Command{
		Use:   "update [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Update configuration of one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			var o engine.UpdateOptions
			bytes := func(flag, v string, dst **int64, minusOne bool) error {
				if !fs.Changed(flag) {
					return nil
				}
				n := int64(-1)
				if !minusOne || v != "-1" {
					var err error
					if n, err = units.RAMInBytes(v); err != nil || n < 0 {
						return fmt.Errorf("invalid argument %q for \"--%s\" flag: not a size such as 512m or 1g", v, flag)
					}
				}
				*dst = &n
				return nil
			}
			for _, b := range []struct {
				flag, v  string
				dst      **int64
				minusOne bool
			}{{"memory", memory, &o.Memory, false}, {"memory-swap", memorySwap, &o.MemorySwap, true},
				{"memory-reservation", memoryReservation, &o.MemoryReservation, false}} {
				if err := bytes(b.flag, b.v, b.dst, b.minusOne); err != nil {
					return err
				}
			}
			if fs.Changed("cpus") {
				f, err := strconv.ParseFloat(cpus, 64)
				if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
					return fmt.Errorf("invalid argument %q for \"--cpus\" flag: not a positive number", cpus)
				}
				n := int64(f * 1e9)
				o.NanoCPUs = &n
			}
			if fs.Changed("cpu-shares") {
				o.CPUShares = &cpuShares
			}
			if fs.Changed("pids-limit") {
				if pidsLimit < -1 {
					return fmt.Errorf("invalid argument \"%d\" for \"--pids-limit\" flag: use -1 or 0 for unlimited", pidsLimit)
				}
				o.PidsLimit = &pidsLimit
			}
			if fs.Changed("cpuset-cpus") {
				o.CpusetCpus = &cpusetCpus
			}
			if fs.Changed("cpuset-mems") {
				o.CpusetMems = &cpusetMems
			}
			if fs.Changed("restart") {
				p, err := engine.ParseRestartPolicy(restart)
				if err != nil {
					return err
				}
				o.RestartPolicy = &p
			}
			if o == (engine.UpdateOptions{}) {
				return fmt.Errorf("you must provide one or more flags when using this command")
			}
			if _, err := c.engine(); err != nil {
				return err
			}
			return forEach(args, func(ref string) error { return c.eng.Update(ref, o) })
		},
	}
	f := cmd.Flags()
	f.StringVarP(&memory, "memory", "m", "", "Memory limit")
	f.StringVar(&memorySwap, "memory-swap", "", "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
	f.StringVar(&memoryReservation, "memory-reservation", "", "Memory soft limit")
	f.StringVar(&cpus, "cpus", "", "Number of CPUs")
	f.Int64VarP(&cpuShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	f.StringVar(&cpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	f.StringVar(&cpusetMems, "cpuset-mems", "", "MEMs in which to allow execution (0-3, 0,1)")
	f.Int64Var(&pidsLimit, "pids-limit", 0, "Tune container pids limit (set -1 for unlimited)")
	f.StringVar(&restart, "restart", "", "Restart policy to apply when a container exits")
	return cmd
}
