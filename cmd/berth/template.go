package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"text/template"
)

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
