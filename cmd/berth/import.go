package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newImportCmd) }

func newImportCmd(c *cli) *cobra.Command {
	var opts engine.ImportOptions
	cmd := &cobra.Command{
		Use:   "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
		Short: "Import the contents from a tarball (or a directory) to create a filesystem image",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, ref := args[0], ""
			if len(args) == 2 {
				ref = args[1]
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			opts.Source = "importing " + src
			var id string
			if fi, err := os.Stat(src); err == nil && fi.IsDir() {
				id, err = e.ImportDir(src, ref, opts)
				if err != nil {
					return err
				}
			} else {
				r, err := openImportSource(src)
				if err != nil {
					return err
				}
				defer r.Close()
				if id, err = e.Import(r, ref, opts); err != nil {
					return err
				}
			}
			fmt.Println(id)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&opts.Changes, "change", "c", nil, "Apply Dockerfile instruction to the created image")
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "Set commit message for imported image")
	return cmd
}

// openImportSource opens a file, standard input ("-"), or an http(s) URL.
func openImportSource(src string) (io.ReadCloser, error) {
	switch {
	case src == "-":
		return io.NopCloser(os.Stdin), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		resp, err := http.Get(src)
		if err != nil {
			return nil, fmt.Errorf("downloading %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("downloading %s: %s", src, resp.Status)
		}
		return resp.Body, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("importing %s: %w", src, err)
	}
	return f, nil
}
