package kube

import (
	"fmt"
	"path"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berthdev/berth/engine"
)

// podPlan is one pod as engine calls, made before anything changes.
type podPlan struct {
	Name       string
	Deployment string
	Labels     map[string]string // the pod's metadata labels (Service selectors)
	Infra      engine.CreateOptions
	Init       []engine.CreateOptions // run to completion, in order, before Containers
	Containers []engine.CreateOptions
	Volumes    []volumePlan // made for this pod
	Claims     []string     // named volumes of persistentVolumeClaims
	Pulls      map[string]string
	// ports names containers' named ports, for Services' targetPort.
	ports map[string]int32
}

// volumePlan is a volume Play makes for a pod, with the files it holds.
type volumePlan struct {
	Name  string
	Files []volumeFile
}

type volumeFile struct {
	Path string // relative, checked
	Data []byte
	Mode uint32
}

// planner holds what the pods of a manifest refer to.
type planner struct {
	m          *Manifest
	o          PlayOptions
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	warnings   []string
}

func (p *planner) warn(format string, a ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, a...))
}

// plan turns the manifest's pods and deployments into podPlans and applies
// its Services' ports; nothing is changed.
func plan(m *Manifest, o PlayOptions) ([]*podPlan, []string, error) {
	p := &planner{m: m, o: o, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	for _, c := range m.ConfigMaps {
		p.configMaps[c.Name] = c
	}
	for _, s := range m.Secrets {
		p.secrets[s.Name] = s
	}
	var pods []*podPlan
	seen := map[string]string{}
	add := func(pp *podPlan, what string) error {
		if prev, ok := seen[pp.Name]; ok {
			return fmt.Errorf("%s: pod name %q is also %s's", what, pp.Name, prev)
		}
		seen[pp.Name] = what
		pods = append(pods, pp)
		return nil
	}
	for _, pod := range m.Pods {
		what := fmt.Sprintf("pod %q", pod.Name)
		pp, err := p.pod(pod.Name, pod.Namespace, pod.Labels, &pod.Spec, what)
		if err != nil {
			return nil, nil, err
		}
		if err := add(pp, what); err != nil {
			return nil, nil, err
		}
	}
	for _, d := range m.Deployments {
		if err := p.deployment(d, add); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range m.Services {
		if err := p.service(s, pods); err != nil {
			return nil, nil, err
		}
	}
	return pods, p.warnings, nil
}

func (p *planner) deployment(d *appsv1.Deployment, add func(*podPlan, string) error) error {
	what := fmt.Sprintf("deployment %q", d.Name)
	n := 1
	if d.Spec.Replicas != nil {
		n = int(*d.Spec.Replicas)
	}
	if n < 0 || n > 100 {
		return fmt.Errorf("%s: replicas %d: berth runs 0 to 100", what, n)
	}
	if n > 1 {
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, port := range c.Ports {
				if port.HostPort != 0 {
					return fmt.Errorf("%s: container %q: hostPort %d cannot be shared by %d replicas", what, c.Name, port.HostPort, n)
				}
			}
		}
	}
	for i := 1; i <= n; i++ {
		name := d.Name + "-pod"
		if n > 1 {
			name = fmt.Sprintf("%s-pod-%d", d.Name, i)
		}
		pp, err := p.pod(name, d.Namespace, d.Spec.Template.Labels, &d.Spec.Template.Spec, what)
		if err != nil {
			return err
		}
		pp.Deployment = d.Name
		for _, o := range append(append([]*engine.CreateOptions{&pp.Infra}, ptrs(pp.Init)...), ptrs(pp.Containers)...) {
			o.Labels[LabelDeployment] = d.Name
		}
		if err := add(pp, what); err != nil {
			return err
		}
	}
	return nil
}

func ptrs(os []engine.CreateOptions) []*engine.CreateOptions {
	out := make([]*engine.CreateOptions, len(os))
	for i := range os {
		out[i] = &os[i]
	}
	return out
}

// pod plans one pod: its infra container, its volumes, its containers.
func (p *planner) pod(name, namespace string, labels map[string]string, spec *corev1.PodSpec, what string) (*podPlan, error) {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return nil, fmt.Errorf("%s: name %q: %s", what, name, errs[0])
	}
	if len(spec.Containers) == 0 {
		return nil, fmt.Errorf("%s: no containers", what)
	}
	pp := &podPlan{Name: name, Labels: labels, Pulls: map[string]string{}, ports: map[string]int32{}}
	base := func(container string) map[string]string {
		l := map[string]string{}
		for k, v := range labels {
			l[k] = v
		}
		l[LabelPodName], l[LabelPod], l[LabelContainerName] = name, name, container
		return l
	}
	restart, err := restartPolicy(spec.RestartPolicy)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	infra := name + "-infra"
	ep := []string{"sleep", "infinity"}
	pp.Infra = engine.CreateOptions{
		Name: InfraName(name), Image: p.o.infraImage(), Entrypoint: &ep, StopSignal: "SIGKILL",
		Hostname: firstNonEmpty(spec.Hostname, name), Labels: base("POD"),
	}
	pp.Infra.Labels[LabelInfra] = "true"
	ih := &pp.Infra.Host
	ih.IpcMode = "shareable"
	if restart.Name == "always" {
		ih.RestartPolicy = engine.RestartPolicy{Name: "always"}
	}
	if spec.HostNetwork {
		ih.NetworkMode, pp.Infra.Hostname = "host", ""
	}
	if spec.HostIPC {
		ih.IpcMode = "host"
	}
	if spec.HostPID {
		ih.PidMode = "host"
	}
	for _, a := range spec.HostAliases {
		for _, h := range a.Hostnames {
			ih.ExtraHosts = append(ih.ExtraHosts, h+":"+a.IP)
		}
	}
	if d := spec.DNSConfig; d != nil {
		ih.DNS, ih.DNSSearch = d.Nameservers, d.Searches
		for _, o := range d.Options {
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			ih.DNSOptions = append(ih.DNSOptions, opt)
		}
	}
	if sc := spec.SecurityContext; sc != nil && len(sc.Sysctls) > 0 {
		ih.Sysctls = map[string]string{}
		for _, s := range sc.Sysctls {
			ih.Sysctls[s.Name] = s.Value
		}
	}

	vols, err := p.volumes(pp, spec, what)
	if err != nil {
		return nil, err
	}
	env := envContext{pod: name, namespace: firstNonEmpty(namespace, "default"), labels: labels}
	names := map[string]bool{}
	for i, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range list {
			cw := fmt.Sprintf("%s: container %q", what, c.Name)
			if errs := validation.IsDNS1123Label(c.Name); len(errs) > 0 {
				return nil, fmt.Errorf("%s: name: %s", cw, errs[0])
			}
			if names[c.Name] {
				return nil, fmt.Errorf("%s: name used twice", cw)
			}
			names[c.Name] = true
			o, err := p.container(pp, &c, spec, vols, env, cw, i == 0)
			if err != nil {
				return nil, err
			}
			o.Name, o.Labels = ContainerName(name, c.Name), base(c.Name)
			for k, v := range base(c.Name) {
				o.Labels[k] = v
			}
			h := &o.Host
			h.NetworkMode, h.IpcMode, h.UTSMode = "container:"+infra, "container:"+infra, "container:"+infra
			if spec.HostPID {
				h.PidMode = "host"
			} else if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace {
				h.PidMode = "container:" + infra
			}
			if spec.TerminationGracePeriodSeconds != nil {
				t := int(*spec.TerminationGracePeriodSeconds)
				o.StopTimeout = &t
			}
			if sc := spec.SecurityContext; sc != nil {
				for _, g := range sc.SupplementalGroups {
					h.GroupAdd = append(h.GroupAdd, fmt.Sprint(g))
				}
			}
			if i == 0 {
				pp.Init = append(pp.Init, o)
				continue
			}
			h.RestartPolicy = restart
			pp.Containers = append(pp.Containers, o)
		}
	}
	return pp, nil
}

// restartPolicy is a pod's restartPolicy as the engine's; Always is
// Kubernetes' default.
func restartPolicy(p corev1.RestartPolicy) (engine.RestartPolicy, error) {
	switch p {
	case "", corev1.RestartPolicyAlways:
		return engine.RestartPolicy{Name: "always"}, nil
	case corev1.RestartPolicyOnFailure:
		return engine.RestartPolicy{Name: "on-failure"}, nil
	case corev1.RestartPolicyNever:
		return engine.RestartPolicy{Name: "no"}, nil
	}
	return engine.RestartPolicy{}, fmt.Errorf("restartPolicy %q: must be Always, OnFailure or Never", p)
}

// volumes plans a pod's volumes: what each volume name mounts as.
func (p *planner) volumes(pp *podPlan, spec *corev1.PodSpec, what string) (map[string]engine.Mount, error) {
	users := map[string]int{}
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range list {
			for _, vm := range c.VolumeMounts {
				users[vm.Name]++
			}
		}
	}
	out := map[string]engine.Mount{}
	for _, v := range spec.Volumes {
		vw := fmt.Sprintf("%s: volume %q", what, v.Name)
		if errs := validation.IsDNS1123Label(v.Name); len(errs) > 0 {
			return nil, fmt.Errorf("%s: name: %s", vw, errs[0])
		}
		if _, dup := out[v.Name]; dup {
			return nil, fmt.Errorf("%s: declared twice", vw)
		}
		own := pp.Name + "-" + v.Name
		switch s := v.VolumeSource; {
		case s.EmptyDir != nil:
			if s.EmptyDir.Medium == corev1.StorageMediumMemory && users[v.Name] <= 1 {
				out[v.Name] = engine.Mount{Type: "tmpfs"}
				continue
			}
			if s.EmptyDir.Medium == corev1.StorageMediumMemory {
				p.warn("%s: a memory-backed emptyDir shared by containers is a disk volume on berth", vw)
			}
			pp.Volumes = append(pp.Volumes, volumePlan{Name: own})
			out[v.Name] = engine.Mount{Type: "volume", Source: own}
		case s.HostPath != nil:
			if !path.IsAbs(s.HostPath.Path) {
				return nil, fmt.Errorf("%s: hostPath %q is not absolute", vw, s.HostPath.Path)
			}
			out[v.Name] = engine.Mount{Type: "bind", Source: path.Clean(s.HostPath.Path)}
		case s.PersistentVolumeClaim != nil:
			claim := s.PersistentVolumeClaim.ClaimName
			if errs := validation.IsDNS1123Subdomain(claim); len(errs) > 0 {
				return nil, fmt.Errorf("%s: claimName %q: %s", vw, claim, errs[0])
			}
			pp.Claims = append(pp.Claims, claim)
			out[v.Name] = engine.Mount{Type: "volume", Source: claim, ReadOnly: s.PersistentVolumeClaim.ReadOnly}
		case s.ConfigMap != nil, s.Secret != nil:
			files, err := p.projected(s, vw)
			if err != nil {
				return nil, err
			}
			pp.Volumes = append(pp.Volumes, volumePlan{Name: own, Files: files})
			out[v.Name] = engine.Mount{Type: "volume", Source: own, ReadOnly: true}
		default:
			return nil, fmt.Errorf("%s: only emptyDir, hostPath, persistentVolumeClaim, configMap and secret volumes are supported", vw)
		}
	}
	return out, nil
}

// projected are the files of a configMap or secret volume.
func (p *planner) projected(s corev1.VolumeSource, vw string) ([]volumeFile, error) {
	var data map[string][]byte
	var items []corev1.KeyToPath
	var mode *int32
	var optional *bool
	var src string
	if c := s.ConfigMap; c != nil {
		items, mode, optional, src = c.Items, c.DefaultMode, c.Optional, fmt.Sprintf("configmap %q", c.Name)
		if cm, ok := p.configMaps[c.Name]; ok {
			data = configMapData(cm)
		}
	} else {
		sc := s.Secret
		items, mode, optional, src = sc.Items, sc.DefaultMode, sc.Optional, fmt.Sprintf("secret %q", sc.SecretName)
		if sec, ok := p.secrets[sc.SecretName]; ok {
			data = secretData(sec)
		}
	}
	if data == nil {
		if optional != nil && *optional {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: %s is not in the manifest", vw, src)
	}
	fileMode := uint32(0o644)
	if mode != nil {
		fileMode = uint32(*mode) & 0o777
	}
	var files []volumeFile
	if len(items) == 0 {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			items = append(items, corev1.KeyToPath{Key: k, Path: k})
		}
	}
	for _, it := range items {
		d, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return nil, fmt.Errorf("%s: %s has no key %q", vw, src, it.Key)
		}
		if err := checkRelPath(it.Path); err != nil {
			return nil, fmt.Errorf("%s: item %q: %w", vw, it.Key, err)
		}
		m := fileMode
		if it.Mode != nil {
			m = uint32(*it.Mode) & 0o777
		}
		files = append(files, volumeFile{Path: it.Path, Data: d, Mode: m})
	}
	return files, nil
}

// checkRelPath refuses a projected file's path that is absolute, empty or
// climbs out (Kubernetes' rule); writing is confined by os.Root besides.
func checkRelPath(p string) error {
	if p == "" || path.IsAbs(p) || strings.HasPrefix(p, "..") {
		return fmt.Errorf("path %q must be relative and must not start with '..'", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return fmt.Errorf("path %q must not contain '..'", p)
		}
	}
	return nil
}

func configMapData(cm *corev1.ConfigMap) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range cm.Data {
		out[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		out[k] = v
	}
	return out
}

func secretData(s *corev1.Secret) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range s.Data {
		out[k] = v
	}
	for k, v := range s.StringData {
		out[k] = []byte(v)
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
