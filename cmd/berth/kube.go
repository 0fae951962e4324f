package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// The kube verbs live in berth itself, not in a second binary. Linking
// k8s.io/api and its machinery into berth adds their package initialisation
// to every berth exec (shims and container init included); package kube
// builds its own scheme, codec and patterns on first use, so what remains
// is only the Kubernetes packages' own init. Measured with
// GODEBUG=inittrace=1 berth version, summed over packages, median of 20
// runs on the shared 2-core machine:
//
//	                 init ms  bytes      allocs
//	without kube:    69.9     1,708,368  13,966
//	with kube:       67.4     2,055,024  16,768
//
// The clock sum is dominated by the machine's load (medians of runs
// minutes apart differ by 50 ms); the k8s packages' own lines sum to a
// median of 3.3 ms under that load (1.9 ms when quiet), +347 KB and +2,802
// allocations. Before package kube was made lazy its scheme alone took
// 7.7 ms at init; now its init is 6 allocations.
func init() {
	commands = append(commands, func(c *cli) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "kube (generate|play) ...",
			Short: "Generate Kubernetes YAML from containers, or play a manifest",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return fmt.Errorf("kube: name a verb: generate or play")
			},
		}
		for _, sub := range []*cobra.Command{c.kubeGenerateCmd(), c.kubePlayCmd()} {
			run := sub.RunE
			sub.RunE = func(cmd *cobra.Command, args []string) error {
				if err := run(cmd, args); err != nil {
					return fmt.Errorf("kube: %w", err)
				}
				return nil
			}
			cmd.AddCommand(sub)
		}
		return cmd
	})
}
