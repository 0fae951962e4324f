package main

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newHistoryCmd) }

var historyFormat = listFormat{
	Row:     historyRow{},
	Table:   "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
	Headers: map[string]string{"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY"},
}

func newHistoryCmd(c *cli) *cobra.Command {
	var human, quiet, noTrunc bool
	var format string
	cmd := &cobra.Command{
		Use:   "history [OPTIONS] IMAGE",
		Short: "Show the history of an image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			hist, err := e.History(args[0])
			if err != nil {
				return err
			}
			var rows []any
			for _, h := range hist {
				rows = append(rows, historyRow{h, human, noTrunc})
			}
			if quiet {
				format = "{{.ID}}"
			}
			return historyFormat.write(os.Stdout, format, rows)
		},
	}
	cmd.Flags().BoolVarP(&human, "human", "H", true, "Print sizes and dates in human readable format")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only show image IDs")
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	cmd.Flags().StringVar(&format, "format", "", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	return cmd
}

// historyRow is what history templates see.
type historyRow struct {
	h              engine.ImageHistory
	human, noTrunc bool
}

func (r historyRow) ID() string {
	if r.noTrunc || r.h.ID == "<missing>" {
		return r.h.ID
	}
	return shortID(r.h.ID)
}
func (r historyRow) CreatedSince() string {
	if !r.human {
		return r.CreatedAt()
	}
	return timeAgo(r.h.Created)
}
func (r historyRow) CreatedAt() string { return r.h.Created.Format(time.RFC3339) }
func (r historyRow) CreatedBy() string {
	by := strings.ReplaceAll(r.h.CreatedBy, "\t", " ")
	if r.noTrunc {
		return by
	}
	return truncateText(by, 45)
}
func (r historyRow) Size() string {
	if !r.human {
		return strconv.FormatInt(r.h.Size, 10)
	}
	return humanSize(r.h.Size)
}
func (r historyRow) Comment() string { return r.h.Comment }
