// Command berth-kube is `berth kube`: generate Kubernetes YAML from
// containers and play manifests on berth (package kube). berth executes it;
// it is a binary of its own so that the Kubernetes API packages' start-up
// cost is not paid by every berth shim and container init.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

func main() {
	root := newRoot()
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "berth: kube: "+oneLine(err))
		os.Exit(1)
	}
}

// app is the state the verbs share: the store flag and the engine.
type app struct {
	rootDir string
	eng     *engine.Engine
}

func newRoot() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:           "berth kube",
		Short:         "Carry containers to Kubernetes and back",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.rootDir, "root", "", "store directory (default $BERTH_ROOT or /var/lib/berth)")
	root.AddCommand(a.generateCmd(), a.playCmd())
	return root
}

// engine opens the store as berth does; shims are started from the berth
// that ran us.
func (a *app) engine() (*engine.Engine, error) {
	if a.eng != nil {
		return a.eng, nil
	}
	opts := engine.Options{Root: firstNonEmpty(a.rootDir, os.Getenv("BERTH_ROOT")), Binary: os.Getenv("BERTH_KUBE_BERTH")}
	if opts.Binary == "" {
		return nil, fmt.Errorf("run as `berth kube` (BERTH_KUBE_BERTH names the berth binary): %w", errdefs.ErrFailedPrecondition)
	}
	if s := os.Getenv("BERTH_LOCK_TIMEOUT"); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			opts.LockTimeout = d
		}
	}
	e, err := engine.Open(opts)
	if err != nil {
		return nil, err
	}
	a.eng = e
	return e, nil
}

var classSuffixes = []error{errdefs.ErrInvalid, errdefs.ErrFailedPrecondition,
	errdefs.ErrAlreadyExists, errdefs.ErrUnavailable, errdefs.ErrPermission}

func oneLine(err error) string {
	s := strings.TrimSpace(err.Error())
	for _, c := range classSuffixes {
		s = strings.TrimSuffix(s, ": "+c.Error())
	}
	return strings.ReplaceAll(s, "\n", "; ")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
