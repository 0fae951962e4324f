package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/berthdev/berth/engine"
)

// extraFlags are more of docker's run/create flags: --expose,
// --stop-signal, --stop-timeout and --cidfile.
type extraFlags struct {
	expose      []string
	stopSignal  string
	stopTimeout int
	cidfile     string
}

func (x *extraFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&x.expose, "expose", nil, "Expose a port or a range of ports")
	fs.StringVar(&x.stopSignal, "stop-signal", "", "Signal to stop the container")
	fs.IntVar(&x.stopTimeout, "stop-timeout", 0, "Timeout (in seconds) to stop a container")
	fs.StringVar(&x.cidfile, "cidfile", "", "Write the container ID to the file")
}

func (x *extraFlags) apply(fs *pflag.FlagSet, o *engine.CreateOptions) {
	o.ExposedPorts, o.StopSignal = x.expose, x.stopSignal
	if fs.Changed("stop-timeout") {
		t := x.stopTimeout
		o.StopTimeout = &t
	}
}

// openCidfile makes --cidfile's file before the container exists, as
// docker does: an existing file is an error, so two runs never share one.
func (x *extraFlags) openCidfile() (*os.File, error) {
	if x.cidfile == "" {
		return nil, nil
	}
	f, err := os.OpenFile(x.cidfile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if os.IsExist(err) {
		return nil, fmt.Errorf("container ID file found, make sure the other container isn't running or delete %s", x.cidfile)
	}
	return f, err
}

// writeCidfile writes id to the file openCidfile made; after a failed
// create the file is removed (docker leaves no empty file either).
func writeCidfile(f *os.File, id string, createErr error) error {
	if f == nil {
		return nil
	}
	defer f.Close()
	if createErr != nil {
		os.Remove(f.Name())
		return nil
	}
	if _, err := f.WriteString(id); err != nil {
		return fmt.Errorf("writing the container ID file: %v", err)
	}
	return nil
}
