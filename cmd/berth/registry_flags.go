package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
)

// registryFlagValues are the flags of every verb that talks to a
// registry.
type registryFlagValues struct {
	insecure []string
	tlsCA    string
}

// registryFlags adds --insecure-registry and --tls-ca to cmd.
func registryFlags(cmd *cobra.Command) *registryFlagValues {
	var v registryFlagValues
	cmd.Flags().StringArrayVar(&v.insecure, "insecure-registry", nil, "Reach this registry (host:port) over plain HTTP (loopback and private addresses always may be)")
	cmd.Flags().StringVar(&v.tlsCA, "tls-ca", "", "Trust the registry's certificate signed by this PEM CA (as certs.d/HOST:PORT/ca.crt does)")
	return &v
}

// options are the engine's registry options the flags give; with c (a
// verb that opens no store) the store's configured insecure registries
// are added, which the engine adds itself otherwise.
func (v *registryFlagValues) options(c *cli) (engine.RegistryOptions, error) {
	opts := engine.RegistryOptions{Insecure: v.insecure}
	if c != nil {
		opts.Insecure = append(opts.Insecure, engine.ConfiguredInsecureRegistries(c.storeRoot())...)
	}
	if v.tlsCA != "" {
		ca, err := engine.LoadCA(v.tlsCA)
		if err != nil {
			return opts, err
		}
		opts.TLSCA = ca
	}
	return opts, nil
}

// promptPassword reads a password from the terminal without echo.
func promptPassword(prompt string) ([]byte, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, fmt.Errorf("registry: no terminal to ask for the password (use --password-stdin)")
	}
	fmt.Fprint(os.Stderr, prompt)
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	return pw, err
}

// trimNewline drops the line end a piped password ends with.
func trimNewline(b []byte) []byte { return bytes.TrimRight(b, "\r\n") }
