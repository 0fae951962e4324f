package main

import "github.com/spf13/cobra"

func newRegistryMigrateCmd(c *cli) *cobra.Command {
	return &cobra.Command{Use: "migrate", Hidden: true}
}
