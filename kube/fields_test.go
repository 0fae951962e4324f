package kube

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// leafPaths lists every field below t as a JSON path ("containers[].image"),
// stopping at types with their own JSON form (quantities, int-or-string,
// times) and at maps; depth bounds recursive types.
func leafPaths(t reflect.Type, prefix string, depth int, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	marshaler := reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	if t.Kind() != reflect.Struct || t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) || depth == 0 {
		*out = append(*out, strings.TrimSuffix(prefix, "."))
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if tag == "" { // embedded and inlined
			leafPaths(f.Type, prefix, depth-1, out)
			continue
		}
		p := prefix + tag
		ft := f.Type
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 {
			e := ft.Elem()
			for e.Kind() == reflect.Pointer {
				e = e.Elem()
			}
			if e.Kind() == reflect.Struct && !e.Implements(marshaler) {
				leafPaths(e, p+"[].", depth-1, out)
				continue
			}
		}
		leafPaths(ft, p+".", depth-1, out)
	}
}

// setPath sets path in the JSON tree m to v, making maps and one-element
// lists on the way (a list that exists gets its first element set).
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(strings.TrimSuffix(path, "."), ".")
	cur := m
	for i, p := range parts {
		name, list := strings.CutSuffix(p, "[]")
		if i == len(parts)-1 && !list {
			cur[name] = v
			return
		}
		if list {
			l, _ := cur[name].([]any)
			if len(l) == 0 {
				l = []any{map[string]any{}}
				cur[name] = l
			}
			cur = l[0].(map[string]any)
			continue
		}
		next, ok := cur[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[name] = next
		}
		cur = next
	}
}

// samples are values tried for a leaf until one decodes and changes what
// play does; a few fields need a value of their own.
func samples(path string) []any {
	switch {
	case strings.HasSuffix(path, "restartPolicy"):
		return []any{"Never", "OnFailure"}
	case strings.HasSuffix(path, "imagePullPolicy"):
		return []any{"Always", "Never"}
	case strings.HasSuffix(path, "protocol"):
		return []any{"UDP"}
	case strings.HasSuffix(path, "medium"):
		return []any{"Memory"}
	case strings.HasSuffix(path, "fieldPath"):
		return []any{"metadata.name"}
	case strings.HasSuffix(path, "mountPath"), strings.HasSuffix(path, "hostPath.path"), strings.HasSuffix(path, "workingDir"):
		return []any{"/x"}
	case strings.HasSuffix(path, "Port"), strings.HasSuffix(path, "hostPort"):
		return []any{8080}
	case strings.HasSuffix(path, "Timestamp"), strings.HasSuffix(path, ".time"):
		return []any{"2020-01-01T00:00:00Z"}
	case strings.HasSuffix(path, "supplementalGroups"), strings.HasSuffix(path, "exitCodes.values"):
		return []any{[]any{7}}
	case strings.HasSuffix(path, ".ip"):
		return []any{"10.0.0.2"}
	case strings.HasSuffix(path, "overhead"), strings.Contains(path, "resources.limits"), strings.Contains(path, "resources.requests"):
		return []any{map[string]any{"cpu": "1", "memory": "64Mi"}}
	}
	return []any{"x", true, false, 7, []any{"x"}, map[string]any{"k": "v"}, "1"}
}

// TestUserns3PodFieldsHandledOrWarned: every field of a Pod's spec is
// either one play honours (setting it changes the plan, or is refused) or
// one Unsupported warns about by its path; none is silently dropped.
func TestUserns3PodFieldsHandledOrWarned(t *testing.T) {
	var paths []string
	leafPaths(reflect.TypeOf(corev1.PodSpec{}), "spec.", 8, &paths)
	supported := supportedPaths(&corev1.Pod{})
	covered := func(p string) bool {
		for _, s := range supported {
			if p == s || strings.HasPrefix(p, s+".") || strings.HasPrefix(p, s+"[]") {
				return true
			}
		}
		return false
	}
	base := func() map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "a", "image": "busybox"}}}}
	}
	planOf := func(doc map[string]any) (string, []string, bool, error) {
		y, err := yaml.Marshal(doc)
		if err != nil {
			return "", nil, false, err
		}
		m, err := Decode(strings.NewReader(string(y) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n"))
		if err != nil {
			return "", nil, false, err // not a valid value for the field
		}
		plans, warnings, perr := plan(m, PlayOptions{})
		out, _ := json.Marshal(plans)
		return string(out), append(m.Warnings, warnings...), true, perr
	}
	want, _, _, err := planOf(base())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 200 {
		t.Fatalf("only %d pod spec fields found: the walk is broken", len(paths))
	}
	for _, p := range paths {
		actual := strings.ReplaceAll(p, "[]", "[0]")
		decoded, handled, warned := false, false, false
		for _, v := range samples(p) {
			doc := base()
			if strings.HasPrefix(p, "spec.hostAliases[].") {
				// An alias is one address and its names: each alone adds
				// nothing.
				setPath(doc, "spec.hostAliases[].ip", "10.0.0.1")
				setPath(doc, "spec.hostAliases[].hostnames", []any{"a"})
			}
			for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
				if strings.Contains(p, "[]."+probe+".") && !strings.Contains(p, probe+".exec") {
					// A probe's timing without its command is no probe.
					setPath(doc, strings.SplitAfter(p, probe)[0]+".exec.command", []any{"true"})
				}
			}
			if strings.Contains(p, ".envFrom[].") && !strings.Contains(p, "Ref") {
				setPath(doc, strings.SplitAfter(p, "envFrom[]")[0]+".configMapRef.name", "cm")
			}
			setPath(doc, p, v)
			got, warnings, ok, err := planOf(doc)
			if !ok {
				continue
			}
			decoded = true
			for _, w := range warnings {
				// "Pod "p": spec.x[0] is not supported by berth, ignored"
				// names the field or the first of its parents play lacks.
				_, rest, _ := strings.Cut(w, "\": ")
				wp, _, _ := strings.Cut(rest, " ")
				if wp != "" && (actual == wp || strings.HasPrefix(actual, wp+".") || strings.HasPrefix(actual, wp+"[")) {
					warned = true
				}
			}
			if err != nil || got != want {
				handled = true
			}
			if handled || warned {
				break
			}
		}
		switch {
		case !decoded:
			t.Errorf("%s: no sample value decodes (add one to samples)", actual)
		case covered(p) && warned:
			t.Errorf("%s: play honours it, yet Unsupported warns about it", actual)
		case !handled && !warned:
			t.Errorf("%s: silently dropped: play neither uses it nor warns", actual)
		}
	}
}
