package kube

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Manifest is what a YAML stream declares, by kind, in file order.
type Manifest struct {
	Pods        []*corev1.Pod
	Deployments []*appsv1.Deployment
	Services    []*corev1.Service
	Claims      []*corev1.PersistentVolumeClaim
	ConfigMaps  []*corev1.ConfigMap
	Secrets     []*corev1.Secret
	// Warnings are one line each: kinds berth does not run, fields it
	// ignores (Unsupported).
	Warnings []string
}

// MaxManifestSize bounds what Decode reads.
const MaxManifestSize = 16 << 20

// strictSerializer is built on first use, not at package init: berth links
// package kube into every exec (shims, container init), which must not pay
// for a scheme it never uses.
var strictSerializer = sync.OnceValue(func() *kjson.Serializer {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := appsv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, s, s,
		kjson.SerializerOptions{Yaml: true, Strict: true})
})

// Decode reads a stream of YAML documents strictly: an unknown or
// duplicated field, or a value of the wrong type, is an error naming the
// document. A kind berth does not run is a warning; a List is read item by
// item.
func Decode(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifestSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("manifest larger than %d bytes", MaxManifestSize)
	}
	m := &Manifest{}
	yr := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for n := 1; ; n++ {
		doc, err := yr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		if err := m.add(doc, fmt.Sprintf("document %d", n)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func stripComments(doc []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, l...)
		}
	}
	return out
}

func (m *Manifest) add(doc []byte, where string) error {
	var tm struct {
		APIVersion string                `json:"apiVersion"`
		Kind       string                `json:"kind"`
		Items      []json0               `json:"items"`
		Metadata   struct{ Name string } `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if tm.Kind == "" || tm.APIVersion == "" {
		return fmt.Errorf("%s: apiVersion and kind are required", where)
	}
	what := fmt.Sprintf("%s (%s %q)", where, tm.Kind, tm.Metadata.Name)
	if tm.Kind == "List" && tm.APIVersion == "v1" {
		for i, it := range tm.Items {
			if err := m.add(it, fmt.Sprintf("%s item %d", where, i)); err != nil {
				return err
			}
		}
		return nil
	}
	gvk := tm.APIVersion + "/" + tm.Kind
	switch gvk {
	case "v1/Pod", "apps/v1/Deployment", "v1/Service", "v1/PersistentVolumeClaim", "v1/ConfigMap", "v1/Secret":
	default:
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s: kind %s %s is not supported by berth, skipped", where, tm.APIVersion, tm.Kind))
		return nil
	}
	obj, _, err := strictSerializer().Decode(doc, nil, nil)
	if err != nil {
		return fmt.Errorf("%s: %s", what, oneLine(err))
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		m.Pods = append(m.Pods, o)
	case *appsv1.Deployment:
		m.Deployments = append(m.Deployments, o)
	case *corev1.Service:
		m.Services = append(m.Services, o)
	case *corev1.PersistentVolumeClaim:
		m.Claims = append(m.Claims, o)
	case *corev1.ConfigMap:
		m.ConfigMaps = append(m.ConfigMaps, o)
	case *corev1.Secret:
		m.Secrets = append(m.Secrets, o)
	}
	name := ""
	if o, ok := obj.(metav1.Object); ok {
		name = o.GetName()
	}
	if name == "" {
		return fmt.Errorf("%s: metadata.name is required", what)
	}
	m.Warnings = append(m.Warnings, Unsupported(obj)...)
	return nil
}

// json0 keeps a List's items as raw documents (JSON is YAML).
type json0 []byte

func (j *json0) UnmarshalJSON(b []byte) error { *j = append((*j)[:0], b...); return nil }

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
