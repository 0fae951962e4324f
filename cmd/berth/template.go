package main

import (
	"reflect"
	"text/template"

	"github.com/docker/cli/templates"
)

// parseTemplate parses a --format template with docker's functions (json,
// split, join, title, lower, upper, pad, truncate), from docker/cli's
// templates package, so that they behave exactly as in docker.
func parseTemplate(name, format string) (*template.Template, error) {
	return templates.New(name).Parse(format)
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
