package kube

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/berthdev/berth/engine"
)

// defaultClaimSize is the storage a generated claim requests (the API
// requires one; berth volumes have no size).
var defaultClaimSize = sync.OnceValue(func() resource.Quantity { return resource.MustParse("1Gi") })

type generator struct {
	e        *engine.Engine
	claims   map[string]bool
	warnings []string
}

func (g *generator) warn(format string, a ...any) {
	g.warnings = append(g.warnings, fmt.Sprintf(format, a...))
}

// podSpec is a group's pod, and the ports it publishes on the host (for a
// Service).
func (g *generator) podSpec(gr group) (*corev1.PodSpec, []corev1.ServicePort, error) {
	spec := &corev1.PodSpec{}
	vols := &podVolumes{spec: spec, used: map[string]bool{}, byKey: map[string]string{}}
	var published []corev1.ServicePort
	for i, c := range gr.containers {
		cname := strings.TrimPrefix(c.Name, "/")
		cw := fmt.Sprintf("container %q", cname)
		img, err := g.e.ImageInspect(c.Image)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: image: %w", cw, err)
		}
		kc, ports, err := g.container(c, &img.Config, vols, spec, cw)
		if err != nil {
			return nil, nil, err
		}
		kc.Name = gr.names[i]
		spec.Containers = append(spec.Containers, *kc)
		published = append(published, ports...)
		policy := restartPolicyOf(c.HostConfig.RestartPolicy)
		if i == 0 {
			spec.RestartPolicy = policy
		} else if policy != spec.RestartPolicy {
			g.warn("%s: restart policy %s: a pod has one (%s, the first container's)", cw, policy, spec.RestartPolicy)
		}
		if t := c.Config.StopTimeout; t != nil && *t >= 0 {
			if spec.TerminationGracePeriodSeconds == nil || int64(*t) > *spec.TerminationGracePeriodSeconds {
				v := int64(*t)
				spec.TerminationGracePeriodSeconds = &v
			}
		}
		g.podLevel(c, spec, cw)
	}
	return spec, published, nil
}

// podLevel carries a container's host settings that a pod holds for all.
func (g *generator) podLevel(c *engine.ContainerInspect, spec *corev1.PodSpec, cw string) {
	h := c.HostConfig
	for _, eh := range h.ExtraHosts {
		host, ip, _ := strings.Cut(strings.Replace(eh, "=", ":", 1), ":")
		if !slices.ContainsFunc(spec.HostAliases, func(a corev1.HostAlias) bool { return a.IP == ip && slices.Contains(a.Hostnames, host) }) {
			spec.HostAliases = append(spec.HostAliases, corev1.HostAlias{IP: ip, Hostnames: []string{host}})
		}
	}
	if len(h.DNS)+len(h.DNSSearch)+len(h.DNSOptions) > 0 && spec.DNSConfig == nil {
		d := &corev1.PodDNSConfig{Nameservers: h.DNS, Searches: h.DNSSearch}
		for _, o := range h.DNSOptions {
			name, val, ok := strings.Cut(o, ":")
			opt := corev1.PodDNSConfigOption{Name: name}
			if ok {
				opt.Value = &val
			}
			d.Options = append(d.Options, opt)
		}
		spec.DNSConfig = d
	}
	if len(h.Sysctls) > 0 {
		if spec.SecurityContext == nil {
			spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		keys := make([]string, 0, len(h.Sysctls))
		for k := range h.Sysctls {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			spec.SecurityContext.Sysctls = append(spec.SecurityContext.Sysctls, corev1.Sysctl{Name: k, Value: h.Sysctls[k]})
		}
	}
	for _, gid := range h.GroupAdd {
		n, err := strconv.ParseInt(gid, 10, 64)
		if err != nil {
			g.warn("%s: group %q: Kubernetes takes numeric supplemental groups, left out", cw, gid)
			continue
		}
		if spec.SecurityContext == nil {
			spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		spec.SecurityContext.SupplementalGroups = append(spec.SecurityContext.SupplementalGroups, n)
	}
	if h.NetworkMode == "host" {
		spec.HostNetwork = true
	}
	if h.IpcMode == "host" {
		spec.HostIPC = true
	}
	if h.PidMode == "host" {
		spec.HostPID = true
	}
	lost := map[string]bool{
		"pids limit": h.PidsLimit > 0, "ulimits": len(h.Ulimits) > 0, "devices": len(h.Devices) > 0,
		"links": len(h.Links) > 0, "--init": h.Init, "shm size": h.ShmSize > 0, "oom-kill-disable": h.OomKillDisable,
		"memory swap": h.MemorySwap != 0, "cpuset": h.CpusetCpus != "" || h.CpusetMems != "",
		"log driver":                    h.LogConfig.Type != "" && h.LogConfig.Type != "json-file",
		"network mode " + h.NetworkMode: strings.HasPrefix(h.NetworkMode, "container:") || h.NetworkMode == "none",
	}
	keys := make([]string, 0, len(lost))
	for k, v := range lost {
		if v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g.warn("%s: %s: no Kubernetes field for it, left out", cw, k)
	}
	for _, o := range h.SecurityOpt {
		if o != "no-new-privileges" && o != "no-new-privileges:true" && o != "no-new-privileges=true" {
			g.warn("%s: security option %q: no Kubernetes field for it, left out", cw, o)
		}
	}
}

func restartPolicyOf(p engine.RestartPolicy) corev1.RestartPolicy {
	switch p.Name {
	case "always", "unless-stopped":
		return corev1.RestartPolicyAlways
	case "on-failure":
		return corev1.RestartPolicyOnFailure
	}
	return corev1.RestartPolicyNever
}

// container is one container as a spec container: only what differs from
// its image (command, env, working dir, user), since the cluster runs the
// same image.
func (g *generator) container(c *engine.ContainerInspect, ic *engine.ImageInspectConfig, vols *podVolumes, spec *corev1.PodSpec, cw string) (*corev1.Container, []corev1.ServicePort, error) {
	cfg, h := c.Config, c.HostConfig
	kc := &corev1.Container{Image: cfg.Image, TTY: cfg.Tty, Stdin: cfg.OpenStdin}
	if !slices.Equal(cfg.Entrypoint, ic.Entrypoint) {
		if len(cfg.Entrypoint) == 0 {
			// No entrypoint over the image's: the whole command line is the command.
			kc.Command = cfg.Cmd
		} else {
			kc.Command, kc.Args = cfg.Entrypoint, cfg.Cmd
		}
	} else if !slices.Equal(cfg.Cmd, ic.Cmd) {
		kc.Args = cfg.Cmd
		if len(cfg.Cmd) == 0 {
			g.warn("%s: an empty command over the image's CMD cannot be said in Kubernetes, left out", cw)
		}
	}
	imageEnv := map[string]bool{}
	for _, kv := range ic.Env {
		imageEnv[kv] = true
	}
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		if imageEnv[kv] || (k == "PATH" && !hasKey(ic.Env, "PATH")) || (k == "TERM" && cfg.Tty && v == "xterm" && !hasKey(ic.Env, "TERM")) {
			continue
		}
		kc.Env = append(kc.Env, corev1.EnvVar{Name: k, Value: v})
	}
	if cfg.WorkingDir != firstNonEmpty(ic.WorkingDir, "/") {
		kc.WorkingDir = cfg.WorkingDir
	}
	sc := &corev1.SecurityContext{}
	if cfg.User != ic.User && cfg.User != "" {
		uid, gid, ok := numericUser(cfg.User)
		if !ok {
			g.warn("%s: user %q: Kubernetes takes a numeric runAsUser, left out", cw, cfg.User)
		} else {
			sc.RunAsUser = &uid
			if gid >= 0 {
				sc.RunAsGroup = &gid
			}
		}
	}
	if len(h.CapAdd)+len(h.CapDrop) > 0 {
		sc.Capabilities = &corev1.Capabilities{}
		for _, a := range h.CapAdd {
			sc.Capabilities.Add = append(sc.Capabilities.Add, corev1.Capability(capName(a)))
		}
		for _, d := range h.CapDrop {
			sc.Capabilities.Drop = append(sc.Capabilities.Drop, corev1.Capability(capName(d)))
		}
	}
	if h.Privileged {
		sc.Privileged = &h.Privileged
	}
	if h.ReadonlyRootfs {
		sc.ReadOnlyRootFilesystem = &h.ReadonlyRootfs
	}
	for _, o := range h.SecurityOpt {
		if o == "no-new-privileges" || o == "no-new-privileges:true" || o == "no-new-privileges=true" {
			f := false
			sc.AllowPrivilegeEscalation = &f
		}
	}
	if *sc != (corev1.SecurityContext{}) {
		kc.SecurityContext = sc
	}
	kc.Resources = resourcesOf(h)
	published := g.ports(c, ic, kc)
	if hc := cfg.Healthcheck; hc != nil && len(hc.Test) > 0 {
		switch hc.Test[0] {
		case "CMD":
			kc.LivenessProbe = probeOf(hc, hc.Test[1:])
		case "CMD-SHELL":
			kc.LivenessProbe = probeOf(hc, []string{"/bin/sh", "-c", strings.Join(hc.Test[1:], " ")})
		}
	}
	if err := vols.mounts(g, c, ic, kc, cw); err != nil {
		return nil, nil, err
	}
	return kc, published, nil
}

func hasKey(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

var numericUserRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+)(?::([0-9]+))?$`) })

func numericUser(u string) (uid, gid int64, ok bool) {
	m := numericUserRE().FindStringSubmatch(u)
	if m == nil {
		return 0, 0, false
	}
	uid, _ = strconv.ParseInt(m[1], 10, 64)
	gid = -1
	if m[2] != "" {
		gid, _ = strconv.ParseInt(m[2], 10, 64)
	}
	return uid, gid, true
}

func capName(c string) string {
	return strings.TrimPrefix(strings.ToUpper(c), "CAP_")
}

// resourcesOf is the inverse of resources (container.go).
func resourcesOf(h engine.HostConfig) corev1.ResourceRequirements {
	var r corev1.ResourceRequirements
	set := func(l *corev1.ResourceList, name corev1.ResourceName, q *resource.Quantity) {
		if *l == nil {
			*l = corev1.ResourceList{}
		}
		(*l)[name] = *q
	}
	if h.Memory > 0 {
		set(&r.Limits, corev1.ResourceMemory, resource.NewQuantity(h.Memory, resource.BinarySI))
	}
	if h.NanoCPUs > 0 {
		set(&r.Limits, corev1.ResourceCPU, resource.NewMilliQuantity(h.NanoCPUs/1_000_000, resource.DecimalSI))
	}
	if h.MemoryReservation > 0 {
		set(&r.Requests, corev1.ResourceMemory, resource.NewQuantity(h.MemoryReservation, resource.BinarySI))
	}
	if h.CPUShares > 0 {
		set(&r.Requests, corev1.ResourceCPU, resource.NewMilliQuantity((h.CPUShares*1000+1023)/1024, resource.DecimalSI))
	}
	return r
}

// probeOf is a health check as a liveness probe, docker's defaults made
// explicit (Kubernetes' differ).
func probeOf(hc *engine.HealthConfig, cmd []string) *corev1.Probe {
	secs := func(d, def time.Duration) int32 {
		if d <= 0 {
			d = def
		}
		return int32((d + time.Second - 1) / time.Second)
	}
	retries := int32(hc.Retries)
	if retries <= 0 {
		retries = 3
	}
	p := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: cmd}},
		PeriodSeconds:    secs(hc.Interval, 30*time.Second),
		TimeoutSeconds:   secs(hc.Timeout, 30*time.Second),
		FailureThreshold: retries,
	}
	if hc.StartPeriod > 0 {
		p.InitialDelaySeconds = secs(hc.StartPeriod, 0)
	}
	return p
}

// ports are a container's published ports (hostPort) and exposed ones it
// added to its image's; the published ones also as Service ports.
func (g *generator) ports(c *engine.ContainerInspect, ic *engine.ImageInspectConfig, kc *corev1.Container) []corev1.ServicePort {
	keys := make([]string, 0, len(c.HostConfig.PortBindings))
	for k := range c.HostConfig.PortBindings {
		keys = append(keys, k)
	}
	for k := range c.Config.ExposedPorts {
		if _, bound := c.HostConfig.PortBindings[k]; !bound {
			if _, fromImage := ic.ExposedPorts[k]; !fromImage {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	var svc []corev1.ServicePort
	for _, k := range keys {
		p, proto, _ := strings.Cut(k, "/")
		port, err := strconv.Atoi(p)
		if err != nil {
			g.warn("container %q: port %q: a range or bad number, left out", strings.TrimPrefix(c.Name, "/"), k)
			continue
		}
		protocol := corev1.Protocol(strings.ToUpper(firstNonEmpty(proto, "tcp")))
		bs := c.HostConfig.PortBindings[k]
		if len(bs) == 0 {
			kc.Ports = append(kc.Ports, corev1.ContainerPort{ContainerPort: int32(port), Protocol: protocol})
			continue
		}
		for _, b := range bs {
			cp := corev1.ContainerPort{ContainerPort: int32(port), Protocol: protocol}
			if hp, err := strconv.Atoi(b.HostPort); err == nil && hp > 0 {
				cp.HostPort = int32(hp)
				if b.HostIP != "" && b.HostIP != "0.0.0.0" {
					cp.HostIP = b.HostIP
				}
				svc = append(svc, corev1.ServicePort{
					Name: fmt.Sprintf("%d-%s", hp, strings.ToLower(string(protocol))), Protocol: protocol,
					Port: int32(hp), TargetPort: intstr.FromInt32(int32(port)),
				})
			}
			kc.Ports = append(kc.Ports, cp)
		}
	}
	return svc
}
