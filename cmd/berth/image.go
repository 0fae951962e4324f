package main

import (
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newImageCmd) }

// newImageCmd is docker's `image` management command: the image verbs again
// under one parent (berth image ls, image rm, ...).
func newImageCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Manage images", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	ls := &cobra.Command{Use: "ls [OPTIONS] [REPOSITORY[:TAG]]", Aliases: []string{"list"}, Short: "List images"}
	imagesFlags(c, ls)
	rm := newRmiCmd(c)
	rm.Use, rm.Aliases = "rm [OPTIONS] IMAGE [IMAGE...]", []string{"remove"}
	cmd.AddCommand(ls, rm, newImageInspectCmd(c), newTagCmd(c), newSaveCmd(c), newLoadCmd(c),
		newImportCmd(c), newHistoryCmd(c), newImagePruneCmd(c), newPullCmd(c), newPushCmd(c), newBuildCmd(c))
	return cmd
}

func newImageInspectCmd(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Display detailed information on one or more images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return inspectEach(args, format, func(ref string) (any, error) { return e.ImageInspect(ref) })
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}
