package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/tui"
)

// commands holds one constructor per verb; each verb's file adds its own in
// an init function, so verbs stay one file each.
var commands []func(*cli) *cobra.Command

// cli is the state shared by all verbs: the global flags and the engine,
// opened on first use.
type cli struct {
	root    *cobra.Command
	rootDir string
	// layer expansion limits: flag values, else $BERTH_MAX_LAYER_SIZE and
	// $BERTH_MAX_LAYER_RATIO (limits.go)
	maxLayerSize, maxLayerRatio string
	eng                         *engine.Engine
	// prepareStart opens the engine with a shim started ahead (run).
	prepareStart bool
	// workbench opens the engine for the TUI, whose screen engine
	// warnings on stderr would garble.
	workbench bool
}

func newCLI() *cli {
	c := &cli{}
	c.root = &cobra.Command{
		Use:           "berth",
		Short:         "A container workbench: run, inspect, debug and learn containers",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          func(cmd *cobra.Command, args []string) error { return c.runDefault(cmd) },
	}
	c.root.Version = version
	c.root.SetVersionTemplate(versionLine())
	c.root.PersistentFlags().StringVar(&c.rootDir, "root", "", "store directory (default $BERTH_ROOT, else /var/lib/berth for root, $XDG_DATA_HOME/berth for other users)")
	c.root.PersistentFlags().StringVar(&c.maxLayerSize, "max-layer-size", "", "most bytes one image layer may unpack to (default $BERTH_MAX_LAYER_SIZE or 16GiB)")
	c.root.PersistentFlags().StringVar(&c.maxLayerRatio, "max-layer-ratio", "", "how many times its compressed size a layer may expand to past 64MiB (default $BERTH_MAX_LAYER_RATIO or 100)")
	c.root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return exitError{code: 125, msg: err.Error() + "\nSee '" + cmd.CommandPath() + " --help'."}
	})
	for _, mk := range commands {
		c.root.AddCommand(mk(c))
	}
	return c
}

// engine opens the store on first use.
func (c *cli) engine() (*engine.Engine, error) {
	if c.eng != nil {
		return c.eng, nil
	}
	root := c.rootDir
	if root == "" {
		root = os.Getenv("BERTH_ROOT")
	}
	// A user without root: berth re-executes itself in the user's
	// namespace here, and carries on below in the new process.
	if err := engine.EnterRootless(root); err != nil {
		return nil, err
	}
	opts := engine.Options{Root: root, PrepareStart: c.prepareStart}
	if !c.workbench {
		opts.Warnings = os.Stderr
	}
	if err := c.layerLimits(&opts); err != nil {
		return nil, err
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
	c.eng = e
	return e, nil
}

// runDefault is `berth` with no verb: the workbench when stdin and stdout
// are terminals; otherwise (scripts, CI) the container list, as `berth ps -a`.
func (c *cli) runDefault(cmd *cobra.Command) error {
	if term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())) {
		c.workbench = true
		e, err := c.engine()
		if err != nil {
			return err
		}
		return tui.Run(tui.FromEngine(e))
	}
	ps, _, err := cmd.Find([]string{"ps"})
	if err != nil {
		return err
	}
	ps.Flags().Set("all", "true")
	return ps.RunE(ps, nil)
}
