package main

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"text/template"
)

// writeFormatted prints rows with a docker-style --format: "table TEMPLATE"
// (a header row from the placeholder names, columns aligned), "json" (one
// JSON object per row), or a plain Go template, one line per row.
func writeFormatted(w io.Writer, format string, rows []any) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(rowMap(r)); err != nil {
				return err
			}
		}
		return nil
	}
	table := false
	if format == "table" {
		format, table = psTable, true
	}
	if rest, ok := strings.CutPrefix(format, "table "); ok {
		format, table = rest, true
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return fmt.Errorf("invalid --format template: %v", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		fmt.Fprintln(tw, headerFor(format))
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

var templateFuncs = template.FuncMap{
	"json":  func(v any) string { b, _ := json.Marshal(v); return string(b) },
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  strings.Join,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
}

// headerNames are docker's column titles for its placeholders.
var headerNames = map[string]string{
	"ID": "CONTAINER ID", "RunningFor": "CREATED", "CreatedAt": "CREATED AT",
	"Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND", "Status": "STATUS",
	"Ports": "PORTS", "State": "STATE", "Size": "SIZE", "Labels": "LABELS",
	"Networks": "NETWORKS", "Mounts": "MOUNTS",
}

// headerFor derives a table header from a template: each {{.Name}} becomes
// its docker column title; the separators stay.
func headerFor(format string) string {
	var b strings.Builder
	for {
		i := strings.Index(format, "{{")
		if i < 0 {
			b.WriteString(format)
			return b.String()
		}
		b.WriteString(format[:i])
		j := strings.Index(format[i:], "}}")
		if j < 0 {
			return b.String()
		}
		field := strings.TrimSpace(format[i+2 : i+j])
		field = strings.TrimPrefix(strings.Fields(field + " ")[0], ".")
		if h, ok := headerNames[field]; ok {
			b.WriteString(h)
		} else {
			b.WriteString(strings.ToUpper(field))
		}
		format = format[i+j+2:]
	}
}

// rowMap turns a row's exported no-argument methods into a JSON object.
func rowMap(r any) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(r)
	t := v.Type()
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if m.Type.NumIn() == 1 && m.Type.NumOut() == 1 {
			out[m.Name] = v.Method(i).Call(nil)[0].Interface()
		}
	}
	return out
}
