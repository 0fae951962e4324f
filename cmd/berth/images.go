package main

import (
	"context"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newImagesCmd) }

var imagesFormat = listFormat{
	Row:   imageRow{},
	Table: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}",
	Headers: map[string]string{"ID": "IMAGE ID", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
		"SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE"},
}

func newImagesCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "images [OPTIONS] [REPOSITORY[:TAG]]", Short: "List images"}
	imagesFlags(c, cmd)
	return cmd
}

// imagesFlags makes cmd `berth images` (also `berth image ls`).
func imagesFlags(c *cli, cmd *cobra.Command) {
	var quiet, all, noTrunc, digests, remote bool
	var format string
	cmd.Args = cobra.MaximumNArgs(1)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		e, err := c.engine()
		if err != nil {
			return err
		}
		list, err := e.Images()
		if err != nil {
			return err
		}
		if remote {
			e.CheckRegistries(context.Background(), list, engine.RegistryOptions{})
		}
		var rows []any
		seen := map[string]bool{}
		for _, s := range list {
			tags := s.RepoTags
			if len(tags) == 0 {
				tags = []string{"<none>:<none>"}
			}
			for _, t := range tags {
				r := imageRow{s, t, noTrunc}
				if len(args) == 1 && !r.matches(args[0]) || quiet && seen[s.ID] {
					continue
				}
				seen[s.ID] = true
				rows = append(rows, r)
			}
		}
		switch {
		case quiet:
			format = "{{.ID}}"
		case format == "" && digests:
			format = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		case format == "" && remote:
			format = imagesFormat.Table + "\t{{.Source}}\t{{.Registry}}"
		}
		return imagesFormat.write(os.Stdout, format, rows)
	}
	fs := cmd.Flags()
	fs.BoolVarP(&quiet, "quiet", "q", false, "Only show image IDs")
	fs.BoolVarP(&all, "all", "a", false, "Show all images (default hides intermediate images)")
	fs.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	fs.BoolVar(&digests, "digests", false, "Show digests")
	fs.BoolVar(&remote, "remote", false, "Show where each image came from and ask its registry whether it has a newer copy")
	fs.StringVar(&format, "format", "", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
}

// imageRow is what images templates see: one row per name of an image.
type imageRow struct {
	s       engine.ImageSummary
	name    string // familiar name, or "<none>:<none>"
	noTrunc bool
}

func (r imageRow) matches(pattern string) bool {
	repo, tag := layers.SplitRef(pattern)
	rr, rt := layers.SplitRef(r.name)
	return rr == repo && (tag == "" || rt == tag)
}

func (r imageRow) Repository() string { repo, _ := layers.SplitRef(r.name); return repo }
func (r imageRow) Tag() string        { _, tag := layers.SplitRef(r.name); return tag }
func (r imageRow) ID() string {
	if r.noTrunc {
		return r.s.ID
	}
	return shortID(r.s.ID)
}
func (r imageRow) Digest() string {
	for _, d := range r.s.RepoDigests {
		if strings.HasPrefix(d, r.Repository()+"@") {
			return strings.TrimPrefix(d, r.Repository()+"@")
		}
	}
	return "<none>"
}
func (r imageRow) CreatedSince() string { return timeAgo(r.s.Created) }
func (r imageRow) CreatedAt() string    { return timestamp(r.s.Created) }
func (r imageRow) Size() string         { return humanSize(r.s.Size) }
func (r imageRow) VirtualSize() string  { return humanSize(r.s.Size) }
func (r imageRow) SharedSize() string   { return "N/A" }
func (r imageRow) UniqueSize() string   { return "N/A" }
func (r imageRow) Containers() string   { return "N/A" }
func (r imageRow) Source() string       { return r.s.Source }
func (r imageRow) Registry() string     { return r.s.RegistryStatus }

// Origin is Source under the name the brief of `images --remote` uses.
func (r imageRow) Origin() string { return r.s.Source }

// Newer is "true" when the registry's copy is newer (with --remote),
// "false" when it is not, "" when unknown.
func (r imageRow) Newer() string {
	switch r.s.RegistryStatus {
	case engine.RegistryNewer:
		return "true"
	case engine.RegistryUpToDate, engine.RegistryMissing:
		return "false"
	}
	return ""
}
