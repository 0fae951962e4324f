package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	units "github.com/docker/go-units"
)

// Formatting shared by the listing verbs (images, history, and any other
// that wants docker's --format behaviour with its own column titles).

// humanSize is a byte count as docker shows sizes: "4.26MB", "1.2GB"
// (decimal units, three significant digits).
func humanSize(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }

// timeAgo is docker's CREATED column: "2 hours ago", "About a minute ago".
// The zero time (unknown) is "N/A".
func timeAgo(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return units.HumanDuration(time.Since(t)) + " ago"
}

// timestamp is docker's CreatedAt placeholder: "2006-01-02 15:04:05 -0700 MST".
func timestamp(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 -0700 MST") }

// shortID is an image ID as docker's tables show it: 12 hex digits,
// without "sha256:".
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// truncateText shortens s to n runes, ending with "…" when cut, as docker's
// tables do for commands.
func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// listFormat is one listing verb's docker-style --format handling.
type listFormat struct {
	// Table is the verb's default template, "table {{.A}}\t{{.B}}", used for
	// --format "" and "table".
	Table string
	// Headers are the column titles of placeholders ("ID": "IMAGE ID");
	// a placeholder without one is titled in upper case.
	Headers map[string]string
}

// write prints rows with format: "" or "table" (the default table),
// "table TEMPLATE" (a header row, then aligned columns), "json" (one JSON
// object per row: every no-argument method of the row), or any Go template,
// one line per row. Templates see the rows' methods ({{.ID}}) and docker's
// functions (parseTemplate).
func (lf listFormat) write(w io.Writer, format string, rows []any) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(rowMap(r)); err != nil {
				return err
			}
		}
		return nil
	}
	if format == "" || format == "table" {
		format = lf.Table
	}
	body, table := strings.CutPrefix(format, "table ")
	body = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(body)
	tmpl, err := parseTemplate("format", body)
	if err != nil {
		return fmt.Errorf("invalid --format template: %v", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		fmt.Fprintln(tw, lf.header(body))
	}
	for _, r := range rows {
		if err := tmpl.Execute(out, r); err != nil {
			return fmt.Errorf("invalid --format template: %v", err)
		}
		fmt.Fprintln(out)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

// header turns a template into its header row: each {{.Name}} becomes its
// column title, the separators stay.
func (lf listFormat) header(body string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "{{")
		j := strings.Index(body, "}}")
		if i < 0 || j < i {
			b.WriteString(body)
			return b.String()
		}
		b.WriteString(body[:i])
		field := strings.TrimPrefix(strings.Fields(body[i+2:j] + " ")[0], ".")
		if h, ok := lf.Headers[field]; ok {
			b.WriteString(h)
		} else {
			b.WriteString(strings.ToUpper(field))
		}
		body = body[j+2:]
	}
}
