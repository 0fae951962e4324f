// Package kubetest checks Kubernetes documents against the API's OpenAPI
// schema, for tests only (nothing in berth's binary imports it): the
// schemas of the kinds berth generates and plays, taken from the
// Kubernetes release of go.mod's k8s.io/api
// (../testdata/k8s-v1.37.2-openapi-v3.json), validated with the API
// server's own validator (k8s.io/kube-openapi/pkg/validation). Unknown
// fields are not the schema's business: package kube's strict decoding
// refuses them.
package kubetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"
)

// SchemaFile is the schema subset, beside package kube's other test data.
const SchemaFile = "k8s-v1.37.2-openapi-v3.json"

var schemas = sync.OnceValues(func() (map[string]any, error) {
	_, self, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "testdata", SchemaFile))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", SchemaFile, err)
	}
	return doc.Components.Schemas, nil
})

// Schema is the schema of a kind ("io.k8s.api.core.v1.Pod") with every
// reference inlined: kube-openapi's validator follows none.
func Schema(name string) (*spec.Schema, error) {
	all, err := schemas()
	if err != nil {
		return nil, err
	}
	x, err := inline(all, map[string]any{"$ref": "#/components/schemas/" + name}, map[string]bool{})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	s := new(spec.Schema)
	return s, json.Unmarshal(b, s)
}

// inline replaces {"$ref": R} and a lone {"allOf": [{"$ref": R}]} (how the
// schema gives a referenced field a default) by R's schema.
func inline(all map[string]any, v any, open map[string]bool) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = inline(all, e, open); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = e
		}
		if out["format"] == "int-or-string" {
			// The oneOf beside it says it; the validator knows no such
			// format and would refuse both.
			delete(out, "format")
		}
		if l, ok := out["allOf"].([]any); ok && len(l) == 1 {
			if r, ok := l[0].(map[string]any); ok && len(r) == 1 && r["$ref"] != nil {
				delete(out, "allOf")
				out["$ref"] = r["$ref"]
			}
		}
		if ref, ok := out["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			target, ok := all[name]
			if !ok {
				return nil, fmt.Errorf("schema %s: not in %s", name, SchemaFile)
			}
			if open[name] {
				return nil, fmt.Errorf("schema %s refers to itself", name)
			}
			open[name] = true
			t, err := inline(all, target, open)
			delete(open, name)
			if err != nil {
				return nil, err
			}
			delete(out, "$ref")
			for k, e := range t.(map[string]any) {
				if _, set := out[k]; !set {
					out[k] = e
				}
			}
		}
		for k, e := range out {
			if k == "default" || k == "example" {
				continue
			}
			var err error
			if out[k], err = inline(all, e, open); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// schemaName is the schema of a document's apiVersion and kind.
func schemaName(apiVersion, kind string) string {
	switch apiVersion {
	case "v1":
		return "io.k8s.api.core.v1." + kind
	case "apps/v1":
		return "io.k8s.api.apps.v1." + kind
	}
	return apiVersion + "/" + kind
}

// Validate checks each document of a YAML stream against its kind's
// schema; the error names the document and every violation.
func Validate(stream []byte) error {
	var errs []error
	for i, doc := range bytes.Split(stream, []byte("\n---")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", i+1, err))
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(j, &obj); err != nil || obj == nil {
			continue // a comment or an empty document
		}
		ints(obj)
		av, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		s, err := Schema(schemaName(av, kind))
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d (%s %s): %w", i+1, av, kind, err))
			continue
		}
		res := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(obj)
		for _, e := range res.Errors {
			errs = append(errs, fmt.Errorf("document %d (%s %s): %v", i+1, av, kind, e))
		}
	}
	return errors.Join(errs...)
}

// ints makes whole numbers int64, as the API server's unstructured
// objects hold them (the validator reads a float64 as a non-integer).
func ints(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = ints(e)
		}
	case []any:
		for i, e := range x {
			x[i] = ints(e)
		}
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	}
	return v
}
