package kube

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/berthdev/berth/engine"
)

// envContext is what a container's fieldRef env values read.
type envContext struct {
	pod, namespace string
	labels         map[string]string
}

// container is one spec container as the engine's create options (name
// and labels are the caller's).
func (p *planner) container(pp *podPlan, c *corev1.Container, spec *corev1.PodSpec, vols map[string]engine.Mount, ec envContext, cw string, init bool) (engine.CreateOptions, error) {
	if c.Image == "" {
		return engine.CreateOptions{}, fmt.Errorf("%s: no image", cw)
	}
	o := engine.CreateOptions{Image: c.Image, WorkingDir: c.WorkingDir, Tty: c.TTY, OpenStdin: c.Stdin}
	if c.WorkingDir != "" && !path.IsAbs(c.WorkingDir) {
		return o, fmt.Errorf("%s: workingDir %q is not absolute", cw, c.WorkingDir)
	}
	switch c.ImagePullPolicy {
	case corev1.PullAlways:
		pp.Pulls[c.Image] = "always"
	case corev1.PullNever:
		if _, set := pp.Pulls[c.Image]; !set {
			pp.Pulls[c.Image] = "never"
		}
	default:
		if pp.Pulls[c.Image] != "always" {
			pp.Pulls[c.Image] = "missing"
		}
	}
	env, err := p.env(c, ec, cw)
	if err != nil {
		return o, err
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	o.Env = env
	if len(c.Command) > 0 {
		ep := expandAll(c.Command, vars)
		o.Entrypoint = &ep
	}
	o.Cmd = expandAll(c.Args, vars)

	h := &o.Host
	if err := resources(h, c.Resources); err != nil {
		return o, fmt.Errorf("%s: %w", cw, err)
	}
	if err := securityContext(&o, c.SecurityContext, spec.SecurityContext); err != nil {
		return o, fmt.Errorf("%s: %w", cw, err)
	}
	if err := p.ports(pp, c, spec, init, cw); err != nil {
		return o, err
	}
	for _, vm := range c.VolumeMounts {
		m, ok := vols[vm.Name]
		if !ok {
			return o, fmt.Errorf("%s: volumeMount %q: no such volume in the pod", cw, vm.Name)
		}
		if !path.IsAbs(vm.MountPath) {
			return o, fmt.Errorf("%s: volumeMount %q: mountPath %q is not absolute", cw, vm.Name, vm.MountPath)
		}
		m.Target = path.Clean(vm.MountPath)
		m.ReadOnly = m.ReadOnly || vm.ReadOnly
		h.Mounts = append(h.Mounts, m)
	}
	probes := []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe}
	used := false
	for i, pr := range probes {
		if pr == nil {
			continue
		}
		kind := []string{"livenessProbe", "readinessProbe", "startupProbe"}[i]
		if used {
			p.warn("%s: %s: berth runs one health check (the first probe), ignored", cw, kind)
			continue
		}
		if pr.Exec == nil || len(pr.Exec.Command) == 0 {
			p.warn("%s: %s: only exec probes run on berth (httpGet, tcpSocket and grpc need the cluster's kubelet), ignored", cw, kind)
			continue
		}
		used = true
		o.Healthcheck = probe(pr)
	}
	return o, nil
}

// probe is an exec probe as a health check (docker's CMD form).
func probe(pr *corev1.Probe) *engine.HealthConfig {
	cmd := pr.Exec.Command
	hc := &engine.HealthConfig{Test: append([]string{"CMD"}, cmd...)}
	if len(cmd) == 3 && cmd[0] == "/bin/sh" && cmd[1] == "-c" {
		hc.Test = []string{"CMD-SHELL", cmd[2]} // as generate writes docker's CMD-SHELL
	}
	sec := func(n int32) time.Duration { return time.Duration(n) * time.Second }
	hc.Interval = sec(pr.PeriodSeconds)
	hc.Timeout = sec(pr.TimeoutSeconds)
	hc.StartPeriod = sec(pr.InitialDelaySeconds)
	hc.Retries = int(pr.FailureThreshold)
	return hc
}

// env is a container's environment: envFrom first, then env, which wins;
// $(VAR) in values expands as Kubernetes does.
func (p *planner) env(c *corev1.Container, ec envContext, cw string) ([]string, error) {
	var order []string
	vals := map[string]string{}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	for _, ef := range c.EnvFrom {
		var data map[string][]byte
		switch {
		case ef.ConfigMapRef != nil:
			cm, ok := p.configMaps[ef.ConfigMapRef.Name]
			if !ok {
				if opt(ef.ConfigMapRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("%s: envFrom: configmap %q is not in the manifest", cw, ef.ConfigMapRef.Name)
			}
			data = configMapData(cm)
		case ef.SecretRef != nil:
			s, ok := p.secrets[ef.SecretRef.Name]
			if !ok {
				if opt(ef.SecretRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("%s: envFrom: secret %q is not in the manifest", cw, ef.SecretRef.Name)
			}
			data = secretData(s)
		}
		keys := sortedKeys(data)
		for _, k := range keys {
			if strings.ContainsAny(ef.Prefix+k, "=\x00") {
				return nil, fmt.Errorf("%s: envFrom: invalid variable name %q", cw, ef.Prefix+k)
			}
			set(ef.Prefix+k, string(data[k]))
		}
	}
	for _, e := range c.Env {
		if e.Name == "" || strings.ContainsAny(e.Name, "=\x00") {
			return nil, fmt.Errorf("%s: env: invalid variable name %q", cw, e.Name)
		}
		v, ok, err := p.envValue(e, ec, vals, cw)
		if err != nil {
			return nil, err
		}
		if ok {
			set(e.Name, v)
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vals[k])
	}
	return out, nil
}

func (p *planner) envValue(e corev1.EnvVar, ec envContext, defined map[string]string, cw string) (string, bool, error) {
	vf := e.ValueFrom
	if vf == nil {
		return expand(e.Value, defined), true, nil
	}
	switch {
	case vf.ConfigMapKeyRef != nil:
		r := vf.ConfigMapKeyRef
		if cm, ok := p.configMaps[r.Name]; ok {
			if v, ok := configMapData(cm)[r.Key]; ok {
				return string(v), true, nil
			}
		}
		if opt(r.Optional) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("%s: env %s: configmap %q key %q is not in the manifest", cw, e.Name, r.Name, r.Key)
	case vf.SecretKeyRef != nil:
		r := vf.SecretKeyRef
		if s, ok := p.secrets[r.Name]; ok {
			if v, ok := secretData(s)[r.Key]; ok {
				return string(v), true, nil
			}
		}
		if opt(r.Optional) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("%s: env %s: secret %q key %q is not in the manifest", cw, e.Name, r.Name, r.Key)
	case vf.FieldRef != nil:
		switch f := vf.FieldRef.FieldPath; {
		case f == "metadata.name":
			return ec.pod, true, nil
		case f == "metadata.namespace":
			return ec.namespace, true, nil
		case strings.HasPrefix(f, "metadata.labels['") && strings.HasSuffix(f, "']"):
			return ec.labels[strings.TrimSuffix(strings.TrimPrefix(f, "metadata.labels['"), "']")], true, nil
		default:
			p.warn("%s: env %s: fieldRef %s is not known before the pod runs on berth, ignored", cw, e.Name, f)
			return "", false, nil
		}
	}
	p.warn("%s: env %s: this valueFrom is not supported by berth, ignored", cw, e.Name)
	return "", false, nil
}

func opt(b *bool) bool { return b != nil && *b }

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// expand replaces $(VAR) with VAR's value when defined, and $$ with $, as
// Kubernetes expands command, args and env values.
func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func expandAll(in []string, vars map[string]string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, vars)
	}
	return out
}

// resources maps requests and limits: limits.memory is --memory,
// limits.cpu --cpus, requests.memory --memory-reservation, requests.cpu
// --cpu-shares (1024 to a CPU, as the kubelet sets cpu.shares).
func resources(h *engine.HostConfig, r corev1.ResourceRequirements) error {
	for name := range r.Limits {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
			return fmt.Errorf("resources.limits: %s is not supported (cpu, memory)", name)
		}
	}
	for name := range r.Requests {
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
			return fmt.Errorf("resources.requests: %s is not supported (cpu, memory)", name)
		}
	}
	if q, ok := r.Limits[corev1.ResourceMemory]; ok {
		h.Memory = q.Value()
	}
	if q, ok := r.Limits[corev1.ResourceCPU]; ok {
		h.NanoCPUs = q.MilliValue() * 1_000_000
	}
	if q, ok := r.Requests[corev1.ResourceMemory]; ok {
		h.MemoryReservation = q.Value()
	}
	if q, ok := r.Requests[corev1.ResourceCPU]; ok {
		h.CPUShares = max(q.MilliValue()*1024/1000, 2)
	}
	if h.Memory < 0 || h.NanoCPUs < 0 || h.MemoryReservation < 0 {
		return fmt.Errorf("resources: negative quantity")
	}
	return nil
}

// securityContext applies the container's security context over the pod's.
func securityContext(o *engine.CreateOptions, c *corev1.SecurityContext, pod *corev1.PodSecurityContext) error {
	var uid, gid *int64
	if pod != nil {
		uid, gid = pod.RunAsUser, pod.RunAsGroup
	}
	h := &o.Host
	if c != nil {
		if c.RunAsUser != nil {
			uid = c.RunAsUser
		}
		if c.RunAsGroup != nil {
			gid = c.RunAsGroup
		}
		if cp := c.Capabilities; cp != nil {
			for _, a := range cp.Add {
				h.CapAdd = append(h.CapAdd, string(a))
			}
			for _, d := range cp.Drop {
				h.CapDrop = append(h.CapDrop, string(d))
			}
		}
		h.Privileged = c.Privileged != nil && *c.Privileged
		h.ReadonlyRootfs = c.ReadOnlyRootFilesystem != nil && *c.ReadOnlyRootFilesystem
		if c.AllowPrivilegeEscalation != nil && !*c.AllowPrivilegeEscalation {
			h.SecurityOpt = append(h.SecurityOpt, "no-new-privileges")
		}
	}
	switch {
	case uid != nil && gid != nil:
		o.User = strconv.FormatInt(*uid, 10) + ":" + strconv.FormatInt(*gid, 10)
	case uid != nil:
		o.User = strconv.FormatInt(*uid, 10)
	case gid != nil:
		return fmt.Errorf("securityContext: runAsGroup without runAsUser is not supported by berth")
	}
	if uid != nil && (*uid < 0 || *uid > 1<<31) || gid != nil && (*gid < 0 || *gid > 1<<31) {
		return fmt.Errorf("securityContext: runAsUser and runAsGroup must be 0 to 2^31")
	}
	return nil
}

// ports publishes a container's hostPorts on the pod's infra container,
// which owns the pod's network namespace.
func (p *planner) ports(pp *podPlan, c *corev1.Container, spec *corev1.PodSpec, init bool, cw string) error {
	for _, port := range c.Ports {
		if port.ContainerPort < 1 || port.ContainerPort > 65535 || port.HostPort < 0 || port.HostPort > 65535 {
			return fmt.Errorf("%s: port %d (hostPort %d): out of range", cw, port.ContainerPort, port.HostPort)
		}
		proto := strings.ToLower(string(port.Protocol))
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return fmt.Errorf("%s: port %d: protocol %q", cw, port.ContainerPort, port.Protocol)
		}
		if port.Name != "" {
			pp.ports[port.Name] = port.ContainerPort
		}
		key := fmt.Sprintf("%d/%s", port.ContainerPort, proto)
		if port.HostPort == 0 || spec.HostNetwork || init {
			pp.Infra.ExposedPorts = appendUnique(pp.Infra.ExposedPorts, key)
			continue
		}
		if err := publish(&pp.Infra, key, port.HostIP, port.HostPort); err != nil {
			return fmt.Errorf("%s: %w", cw, err)
		}
	}
	return nil
}

// publish adds one host port to an infra container; the same binding twice
// is one, another on a host port already taken is an error.
func publish(infra *engine.CreateOptions, key, hostIP string, hostPort int32) error {
	h := &infra.Host
	if h.PortBindings == nil {
		h.PortBindings = map[string][]engine.PortBinding{}
	}
	hp := strconv.Itoa(int(hostPort))
	for k, bs := range h.PortBindings {
		for _, b := range bs {
			if b.HostPort == hp && strings.HasSuffix(k, "/"+strings.SplitN(key, "/", 2)[1]) {
				if k == key {
					return nil
				}
				return fmt.Errorf("host port %s is published twice (for %s and %s)", hp, k, key)
			}
		}
	}
	h.PortBindings[key] = append(h.PortBindings[key], engine.PortBinding{HostIP: hostIP, HostPort: hp})
	return nil
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
