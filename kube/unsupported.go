package kube

import (
	"encoding/json"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The fields Play honours, as paths with [] for any list index. A path
// covers everything under it. Anything else that is set in a manifest is
// reported by Unsupported.
var (
	metaFields = []string{"apiVersion", "kind", "metadata.name", "metadata.namespace", "metadata.labels"}

	containerFields = []string{
		"name", "image", "imagePullPolicy", "command", "args", "workingDir", "stdin", "tty",
		"env[].name", "env[].value",
		"env[].valueFrom.configMapKeyRef", "env[].valueFrom.secretKeyRef",
		"env[].valueFrom.fieldRef.fieldPath", "env[].valueFrom.fieldRef.apiVersion",
		"envFrom[].prefix", "envFrom[].configMapRef", "envFrom[].secretRef",
		"ports[].name", "ports[].containerPort", "ports[].hostPort", "ports[].hostIP", "ports[].protocol",
		"resources.limits.cpu", "resources.limits.memory", "resources.requests.cpu", "resources.requests.memory",
		"volumeMounts[].name", "volumeMounts[].mountPath", "volumeMounts[].readOnly",
		"securityContext.capabilities", "securityContext.privileged", "securityContext.readOnlyRootFilesystem",
		"securityContext.runAsUser", "securityContext.runAsGroup", "securityContext.allowPrivilegeEscalation",
	}
	probeFields = []string{"exec.command", "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold"}

	podSpecFields = []string{
		"restartPolicy", "hostname", "hostNetwork", "hostIPC", "hostPID", "shareProcessNamespace",
		"terminationGracePeriodSeconds", "hostAliases", "dnsConfig",
		"securityContext.runAsUser", "securityContext.runAsGroup", "securityContext.sysctls",
		"securityContext.supplementalGroups",
		"volumes[].name", "volumes[].emptyDir.medium", "volumes[].hostPath.path",
		"volumes[].persistentVolumeClaim", "volumes[].configMap", "volumes[].secret",
	}
)

func podSpecPaths(prefix string) []string {
	var out []string
	for _, f := range podSpecFields {
		out = append(out, prefix+f)
	}
	for _, list := range []string{"containers[].", "initContainers[]."} {
		for _, f := range containerFields {
			out = append(out, prefix+list+f)
		}
		for _, p := range []string{"livenessProbe.", "readinessProbe.", "startupProbe."} {
			for _, f := range probeFields {
				out = append(out, prefix+list+p+f)
			}
		}
	}
	return out
}

func supportedPaths(obj runtime.Object) []string {
	out := append([]string{}, metaFields...)
	switch obj.(type) {
	case *corev1.Pod:
		out = append(out, podSpecPaths("spec.")...)
	case *appsv1.Deployment:
		out = append(out, "spec.replicas", "spec.selector", "spec.template.metadata.labels", "spec.template.metadata.name")
		out = append(out, podSpecPaths("spec.template.spec.")...)
	case *corev1.Service:
		out = append(out, "spec.selector", "spec.type", "spec.ports[].name", "spec.ports[].port",
			"spec.ports[].targetPort", "spec.ports[].nodePort", "spec.ports[].protocol")
	case *corev1.PersistentVolumeClaim:
		out = append(out, "spec.accessModes", "spec.volumeMode")
	case *corev1.ConfigMap:
		out = append(out, "data", "binaryData", "immutable")
	case *corev1.Secret:
		out = append(out, "data", "stringData", "type", "immutable")
	}
	return out
}

// Unsupported lists, one line each, the fields set in obj that Play does
// not honour: "Pod "web": spec.containers[0].lifecycle is not supported, ignored".
func Unsupported(obj runtime.Object) []string {
	b, err := json.Marshal(obj)
	if err != nil {
		return []string{fmt.Sprintf("cannot list unsupported fields: %v", err)}
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		return []string{fmt.Sprintf("cannot list unsupported fields: %v", err)}
	}
	delete(tree, "status")
	exact, prefixes := map[string]bool{}, map[string]bool{}
	for _, p := range supportedPaths(obj) {
		exact[p] = true
		for i := range p {
			if p[i] == '.' || p[i] == '[' {
				prefixes[p[:i]] = true
			}
		}
	}
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	name := ""
	if m, ok := tree["metadata"].(map[string]any); ok {
		name, _ = m["name"].(string)
	}
	var out []string
	var walk func(v any, generic, actual string)
	walk = func(v any, generic, actual string) {
		if empty(v) {
			return
		}
		if exact[generic] {
			return
		}
		if generic != "" && !prefixes[generic] {
			out = append(out, fmt.Sprintf("%s %q: %s is not supported by berth, ignored", kind, name, actual))
			return
		}
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k], join(generic, k), join(actual, k))
			}
		case []any:
			for i, e := range x {
				walk(e, generic+"[]", fmt.Sprintf("%s[%d]", actual, i))
			}
		default:
			out = append(out, fmt.Sprintf("%s %q: %s is not supported by berth, ignored", kind, name, actual))
		}
	}
	walk(tree, "", "")
	return out
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// empty is a value a manifest may as well not have set.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range x {
			if !empty(e) {
				return false
			}
		}
		return true
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}
