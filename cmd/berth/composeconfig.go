package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
)

// composeConfigLists are config's one-name-a-line views.
type composeConfigLists struct {
	services, volumes, networks, images, profiles bool
	hash                                          string
}

// lines is the view asked for, or ok false when none is.
func (l composeConfigLists) lines(p *types.Project) (out []string, ok bool, err error) {
	switch {
	case l.services:
		return p.ServiceNames(), true, nil
	case l.volumes:
		return p.VolumeNames(), true, nil
	case l.networks:
		return p.NetworkNames(), true, nil
	case l.images:
		for _, name := range p.ServiceNames() {
			out = append(out, compose.ImageName(p, p.Services[name]))
		}
		return out, true, nil
	case l.profiles:
		for _, ss := range []types.Services{p.Services, p.DisabledServices} {
			for _, s := range ss {
				for _, pr := range s.Profiles {
					if !slices.Contains(out, pr) {
						out = append(out, pr)
					}
				}
			}
		}
		slices.Sort(out)
		return out, true, nil
	case l.hash != "":
		names := p.ServiceNames()
		if l.hash != "*" {
			names = strings.Split(l.hash, ",")
		}
		for _, name := range names {
			s, err := p.GetService(name)
			if err != nil {
				return nil, true, err
			}
			h, err := compose.ConfigHash(s)
			if err != nil {
				return nil, true, err
			}
			out = append(out, name+" "+h)
		}
		return out, true, nil
	}
	return nil, false, nil
}

func composeConfig(cc *composeCLI) *cobra.Command {
	var format, output string
	var quiet bool
	var l composeConfigLists
	cmd := &cobra.Command{Use: "config [OPTIONS] [SERVICE...]", Short: "Parse, resolve and render compose file in canonical format",
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := compose.Load(cmd.Context(), cc.load)
			if err != nil {
				return err
			}
			if p, err = compose.Model(p, args); err != nil {
				return err
			}
			if quiet {
				return nil
			}
			var b []byte
			if lines, ok, err := l.lines(p); err != nil {
				return err
			} else if ok {
				for _, s := range lines {
					b = append(b, s+"\n"...)
				}
			} else {
				switch format {
				case "", "yaml":
					b, err = p.MarshalYAML()
				case "json":
					b, err = p.MarshalJSON()
				default:
					return fmt.Errorf("unsupported format %q (yaml, json)", format)
				}
				if err != nil {
					return err
				}
			}
			var w io.Writer = os.Stdout
			if output != "" {
				return os.WriteFile(output, b, 0o644)
			}
			_, err = w.Write(b)
			return err
		}}
	f := cmd.Flags()
	f.StringVar(&format, "format", "yaml", "Format the output. Values: [yaml | json]")
	f.StringVarP(&output, "output", "o", "", "Save to file (default to stdout)")
	f.BoolVar(&l.services, "services", false, "Print the service names, one per line")
	f.BoolVar(&l.volumes, "volumes", false, "Print the volume names, one per line")
	f.BoolVar(&l.networks, "networks", false, "Print the network names, one per line")
	f.BoolVar(&l.images, "images", false, "Print the image names, one per line")
	f.BoolVar(&l.profiles, "profiles", false, "Print the profile names, one per line")
	f.StringVar(&l.hash, "hash", "", `Print the service config hash, one per line ("*" for all, or SERVICE,...)`)
	f.BoolVarP(&quiet, "quiet", "q", false, "Only validate the configuration, don't print anything")
	return cmd
}
