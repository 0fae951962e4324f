package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"
)

// kubeBinary is the program `berth kube` runs: berth-kube beside berth,
// else on PATH. The Kubernetes API types cost about 2 ms of package
// initialisation that every berth re-exec (shim, container init) would
// pay, so they live in their own binary (see package kube).
const kubeBinary = "berth-kube"

// kubeShimEnv tells berth-kube which berth starts the shims.
const kubeShimEnv = "BERTH_KUBE_BERTH"

func init() {
	commands = append(commands, func(c *cli) *cobra.Command {
		return &cobra.Command{
			Use:                "kube (generate|play) ...",
			Short:              "Generate Kubernetes YAML from containers, or play a manifest",
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				self, err := os.Executable()
				if err != nil {
					return err
				}
				bin := filepath.Join(filepath.Dir(self), kubeBinary)
				if _, err := os.Stat(bin); err != nil {
					if bin, err = exec.LookPath(kubeBinary); err != nil {
						return exitError{code: 127, msg: fmt.Sprintf("kube: %s is not installed beside %s or on PATH (make build makes it)", kubeBinary, self)}
					}
				}
				if c.rootDir != "" {
					args = append([]string{"--root", c.rootDir}, args...)
				}
				env := append(os.Environ(), kubeShimEnv+"="+self)
				err = syscall.Exec(bin, append([]string{"berth kube"}, args...), env)
				return errors.Join(fmt.Errorf("kube: running %s", bin), err)
			},
		}
	})
}
