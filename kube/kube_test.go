package kube

import (
	"strings"
	"testing"
)

const goodPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox
    command: [sh, -c]
    args: ["echo $(GREETING) $(MISSING) $$(ESCAPED)"]
    env:
    - {name: GREETING, value: hello}
    - {name: FROM_CM, valueFrom: {configMapKeyRef: {name: cfg, key: k}}}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    ports: [{containerPort: 80, hostPort: 8080}]
    securityContext: {runAsUser: 1000, runAsGroup: 2000}
    resources: {limits: {memory: 64Mi, cpu: 250m}, requests: {cpu: 500m}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {k: v}
`

func TestDecodeStrict(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"unknown field", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b, bogus: 1}]\n", `unknown field "spec.containers[0].bogus"`},
		{"duplicate field", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b, image: c}]\n", `key "image" already set`},
		{"wrong type", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: [b]}]\n", "cannot unmarshal"},
		{"no kind", "apiVersion: v1\nmetadata: {name: p}\n", "apiVersion and kind are required"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", "metadata.name is required"},
		{"case", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, Image: b}]\n", `unknown field "spec.containers[0].Image"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode = %v, want an error with %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is several lines: %q", err)
			}
			if !strings.Contains(err.Error(), "document 1") {
				t.Errorf("error does not name the document: %q", err)
			}
		})
	}
}

func TestUnsupportedWarns(t *testing.T) {
	doc := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {a: b}}\nspec:\n  nodeSelector: {disk: ssd}\n  containers:\n  - name: a\n    image: b\n    lifecycle: {preStop: {exec: {command: [x]}}}\n    livenessProbe: {httpGet: {port: 80}, periodSeconds: 3}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n"
	m, err := Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"metadata.annotations", "spec.nodeSelector", "spec.containers[0].lifecycle", "spec.containers[0].livenessProbe.httpGet", "kind v1 Namespace is not supported"} {
		found := false
		for _, w := range m.Warnings {
			if strings.Contains(w, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("warnings %q lack %q", m.Warnings, want)
		}
	}
	for _, w := range m.Warnings {
		if strings.Contains(w, "periodSeconds") || strings.Contains(w, ".image") {
			t.Errorf("warned about a supported field: %q", w)
		}
	}
	_, warnings, err := plan(m, PlayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "only exec probes") {
		t.Errorf("plan warnings = %q, want the httpGet probe's", warnings)
	}
}

func TestPlanPod(t *testing.T) {
	m, err := Decode(strings.NewReader(goodPod))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("warnings for a supported pod: %q", m.Warnings)
	}
	pods, _, err := plan(m, PlayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pp := pods[0]
	c := pp.Containers[0]
	if c.Name != "web-app" || pp.Infra.Name != "web-infra" {
		t.Errorf("names %q %q", c.Name, pp.Infra.Name)
	}
	if got := strings.Join(c.Cmd, "|"); got != "echo hello $(MISSING) $(ESCAPED)" {
		t.Errorf("args expanded to %q", got)
	}
	if got := strings.Join(c.Env, ","); got != "GREETING=hello,FROM_CM=v,POD=web" {
		t.Errorf("env %q", got)
	}
	if c.User != "1000:2000" {
		t.Errorf("user %q", c.User)
	}
	h := c.Host
	if h.Memory != 64<<20 || h.NanoCPUs != 250_000_000 || h.CPUShares != 512 {
		t.Errorf("limits %d %d %d", h.Memory, h.NanoCPUs, h.CPUShares)
	}
	if h.NetworkMode != "container:web-infra" || h.IpcMode != "container:web-infra" || h.UTSMode != "container:web-infra" {
		t.Errorf("namespaces %q %q %q", h.NetworkMode, h.IpcMode, h.UTSMode)
	}
	if b := pp.Infra.Host.PortBindings["80/tcp"]; len(b) != 1 || b[0].HostPort != "8080" {
		t.Errorf("infra ports %v", pp.Infra.Host.PortBindings)
	}
	if c.Labels[LabelPod] != "web" || c.Labels["app"] != "web" || pp.Infra.Labels[LabelInfra] != "true" {
		t.Errorf("labels %v", c.Labels)
	}
}

// TestPlanRefuses: hostile or broken manifests fail in plan, before
// anything is created, with a line naming the object.
func TestPlanRefuses(t *testing.T) {
	pod := func(spec string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" + spec
	}
	cm := "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v}\n"
	cases := []struct{ name, doc, want string }{
		{"pod name", "apiVersion: v1\nkind: Pod\nmetadata: {name: ../x}\nspec: {containers: [{name: a, image: b}]}\n", `pod "../x": name`},
		{"container name", pod("  containers: [{name: A_b, image: b}]\n"), `container "A_b": name`},
		{"item path escapes", pod("  volumes: [{name: v, configMap: {name: cfg, items: [{key: k, path: ../../etc/passwd}]}}]\n  containers: [{name: a, image: b}]\n") + cm, `volume "v": item "k"`},
		{"absolute item path", pod("  volumes: [{name: v, configMap: {name: cfg, items: [{key: k, path: /etc/passwd}]}}]\n  containers: [{name: a, image: b}]\n") + cm, "must be relative"},
		{"missing configmap", pod("  containers: [{name: a, image: b, env: [{name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]}]\n"), `env X: configmap "nope"`},
		{"missing volume", pod("  containers: [{name: a, image: b, volumeMounts: [{name: v, mountPath: /v}]}]\n"), `volumeMount "v": no such volume`},
		{"relative hostPath", pod("  volumes: [{name: v, hostPath: {path: etc}}]\n  containers: [{name: a, image: b}]\n"), "not absolute"},
		{"port twice", pod("  containers:\n  - {name: a, image: b, ports: [{containerPort: 80, hostPort: 9000}]}\n  - {name: c, image: b, ports: [{containerPort: 81, hostPort: 9000}]}\n"), "published twice"},
		{"replicas share hostPort", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: a, image: b, ports: [{containerPort: 80, hostPort: 9000}]}]}\n", "cannot be shared by 2 replicas"},
		{"bad resource", pod("  containers: [{name: a, image: b, resources: {limits: {nvidia.com/gpu: 1}}}]\n"), "nvidia.com/gpu is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode(strings.NewReader(c.doc))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			_, _, err = plan(m, PlayOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("plan = %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "$(A)"}
	for in, want := range map[string]string{
		"$(A)": "1", "x$(A)y": "x1y", "$(B)": "$(A)", "$(C)": "$(C)", "$$(A)": "$(A)", "$": "$", "$(A": "$(A", "a$b": "a$b",
	} {
		if got := expand(in, vars); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
