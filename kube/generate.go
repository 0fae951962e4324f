package kube

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// GenerateOptions are `kube generate`'s.
type GenerateOptions struct {
	// Containers become one pod, named after the first (<name>-pod).
	Containers []string
	// ComposeProject makes one pod (or deployment) per service of the
	// project, from the service's containers.
	ComposeProject string
	// Service adds a NodePort Service for each pod's published ports.
	Service bool
	// Type is "pod" (the default) or "deployment".
	Type string
}

// compose's labels (package compose), read from the store.
const (
	composeProject = "com.docker.compose.project"
	composeService = "com.docker.compose.service"
	composeNumber  = "com.docker.compose.container-number"
	composeOneoff  = "com.docker.compose.oneoff"
)

// group is what becomes one pod: its containers, and how many replicas.
type group struct {
	name       string
	containers []*engine.ContainerInspect
	names      []string // the spec containers' names
	replicas   int32
}

// Generate is Kubernetes YAML for containers: documents built from the
// API types, separated by ---. Warnings name what a manifest cannot say.
func Generate(e *engine.Engine, o GenerateOptions) ([]byte, []string, error) {
	switch o.Type {
	case "", "pod", "deployment":
	default:
		return nil, nil, fmt.Errorf("--type %q: must be pod or deployment: %w", o.Type, errdefs.ErrInvalid)
	}
	groups, err := groups(e, o)
	if err != nil {
		return nil, nil, err
	}
	g := &generator{e: e, claims: map[string]bool{}}
	var docs []runtime.Object
	for _, gr := range groups {
		spec, published, err := g.podSpec(gr)
		if err != nil {
			return nil, g.warnings, err
		}
		labels := map[string]string{"app": gr.name}
		meta := metav1.ObjectMeta{Name: gr.name, Labels: labels}
		if o.Type == "deployment" {
			if spec.RestartPolicy != corev1.RestartPolicyAlways {
				g.warn("pod %q: restartPolicy %s: a Deployment's pods restart Always", gr.name, spec.RestartPolicy)
				spec.RestartPolicy = corev1.RestartPolicyAlways
			}
			n := gr.replicas
			docs = append(docs, &appsv1.Deployment{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: metav1.ObjectMeta{Name: gr.name, Labels: labels},
				Spec: appsv1.DeploymentSpec{
					Replicas: &n,
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: *spec},
				},
			})
		} else {
			if gr.replicas > 1 {
				g.warn("pod %q: %d replicas: a Pod is one; use --type deployment", gr.name, gr.replicas)
			}
			docs = append(docs, &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: meta, Spec: *spec})
		}
		if o.Service && len(published) > 0 {
			docs = append(docs, &corev1.Service{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: metav1.ObjectMeta{Name: gr.name, Labels: labels},
				Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: labels, Ports: published},
			})
		}
	}
	claims := make([]string, 0, len(g.claims))
	for c := range g.claims {
		claims = append(claims, c)
	}
	sort.Strings(claims)
	for _, c := range claims {
		docs = append(docs, &corev1.PersistentVolumeClaim{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
			ObjectMeta: metav1.ObjectMeta{Name: c},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: defaultClaimSize()}},
			},
		})
	}
	var buf bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		y, err := yaml.Marshal(d)
		if err != nil {
			return nil, g.warnings, err
		}
		buf.Write(y)
	}
	return buf.Bytes(), g.warnings, nil
}

// groups are the pods to generate: the containers named, as one pod, or a
// compose project's services, one pod each.
func groups(e *engine.Engine, o GenerateOptions) ([]group, error) {
	if (o.ComposeProject == "") == (len(o.Containers) == 0) {
		return nil, fmt.Errorf("name containers or --compose-project, one of the two: %w", errdefs.ErrInvalid)
	}
	if o.ComposeProject == "" {
		gr := group{replicas: 1}
		used := map[string]bool{}
		for _, ref := range o.Containers {
			c, err := e.Inspect(ref)
			if err != nil {
				return nil, err
			}
			n := dnsLabel(strings.TrimPrefix(c.Name, "/"), used)
			gr.containers, gr.names = append(gr.containers, c), append(gr.names, n)
		}
		gr.name = dnsLabel(strings.TrimPrefix(gr.containers[0].Name, "/")+"-pod", nil)
		return []group{gr}, nil
	}
	all, err := e.List(true)
	if err != nil {
		return nil, err
	}
	services := map[string][]engine.ContainerSummary{}
	for _, c := range all {
		if c.Labels[composeProject] == o.ComposeProject && c.Labels[composeOneoff] != "True" {
			services[c.Labels[composeService]] = append(services[c.Labels[composeService]], c)
		}
	}
	if len(services) == 0 {
		return nil, fmt.Errorf("compose project %q: no containers: %w", o.ComposeProject, errdefs.ErrNotFound)
	}
	keys := make([]string, 0, len(services))
	for k := range services {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []group
	used := map[string]bool{}
	for _, s := range keys {
		cs := services[s]
		sort.Slice(cs, func(i, j int) bool {
			a, _ := strconv.Atoi(cs[i].Labels[composeNumber])
			b, _ := strconv.Atoi(cs[j].Labels[composeNumber])
			return a < b
		})
		c, err := e.Inspect(cs[0].ID)
		if err != nil {
			return nil, err
		}
		n := dnsLabel(s, used)
		out = append(out, group{name: n, containers: []*engine.ContainerInspect{c}, names: []string{n}, replicas: int32(len(cs))})
	}
	return out, nil
}

// dnsLabel makes a Kubernetes name (RFC 1123 label) of a berth name,
// unique among used when used is given.
func dnsLabel(s string, used map[string]bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	n := strings.Trim(b.String(), "-")
	if len(n) > 55 {
		n = strings.Trim(n[:55], "-")
	}
	if n == "" {
		n = "c"
	}
	if used != nil {
		base := n
		for i := 2; used[n]; i++ {
			n = fmt.Sprintf("%s-%d", base, i)
		}
		used[n] = true
	}
	return n
}
