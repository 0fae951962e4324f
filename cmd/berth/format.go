package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/docker/cli/cli/command/formatter/tabwriter"
	"github.com/docker/cli/templates"
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

// joinLabels is a Labels column: k=v pairs, sorted, comma-separated, as
// docker's formatters print them.
func joinLabels(labels map[string]string) string {
	kv := make([]string, 0, len(labels))
	for k, v := range labels {
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

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
	// Row is a zero row, whose methods are the placeholders titled in a
	// table with no rows.
	Row any
}

// write prints rows with format: "" or "table" (the default table),
// "table TEMPLATE" (a header row, then aligned columns), "json" (one JSON
// object per row: every no-argument method of the row), or any Go template,
// one line per row. Templates see the rows' methods ({{.ID}}) and docker's
// functions (parseTemplate). As docker/cli's formatter.Context does, the
// rows are rendered first, then the header by running the same template on
// the column titles with templates.HeaderFunctions (so `{{upper .Image}}`
// is titled IMAGE and `{{.Label "com.example.tier"}}` tier), and both go
// through docker's tabwriter.
func (lf listFormat) write(w io.Writer, format string, rows []any) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
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
	body, table := strings.CutPrefix(format, "table")
	body = strings.Trim(body, " ")
	body = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(body)
	tmpl, err := parseTemplate("format", body)
	if err != nil {
		return fmt.Errorf("invalid --format template: %v", err)
	}
	var buf bytes.Buffer
	for _, r := range rows {
		if err := tmpl.Execute(&buf, r); err != nil {
			return fmt.Errorf("invalid --format template: %v", err)
		}
		buf.WriteByte('\n')
	}
	if !table {
		_, err := buf.WriteTo(w)
		return err
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	row := lf.Row
	if len(rows) > 0 {
		row = rows[0]
	}
	// A header that does not render (a function given the title where it
	// wants a value) is left as far as it got, as docker leaves it.
	_ = tmpl.Funcs(templates.HeaderFunctions).Execute(tw, lf.titles(row))
	tw.Write([]byte{'\n'})
	buf.WriteTo(tw)
	return tw.Flush()
}

// headerContext is docker/cli's formatter.SubHeaderContext: the column
// titles by placeholder, and Label's title, the label key's last dotted
// part with '-' and '_' as spaces.
type headerContext map[string]string

// Label is the title of a {{.Label "KEY"}} column.
func (headerContext) Label(name string) string {
	n := strings.Split(name, ".")
	return strings.NewReplacer("-", " ", "_", " ").Replace(n[len(n)-1])
}

// titles are the column titles of row's placeholders: lf.Headers, else
// the name in upper case.
func (lf listFormat) titles(row any) headerContext {
	h := headerContext{}
	if row != nil {
		t := reflect.TypeOf(row)
		for i := 0; i < t.NumMethod(); i++ {
			h[t.Method(i).Name] = strings.ToUpper(t.Method(i).Name)
		}
	}
	for k, v := range lf.Headers {
		h[k] = v
	}
	return h
}
