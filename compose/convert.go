package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berthdev/berth/engine"
)

// docker compose's labels.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelNumber      = "com.docker.compose.container-number"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelNetwork     = "com.docker.compose.network"
	LabelVolume      = "com.docker.compose.volume"
	LabelImage       = "com.docker.compose.image"
)

// ContainerName is a replica's name: container_name, else
// <project>-<service>-<n> as docker compose v2 names them.
func ContainerName(p *types.Project, s types.ServiceConfig, n int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return fmt.Sprintf("%s-%s-%d", p.Name, s.Name, n)
}

// ImageName is the image a service runs: image:, or for a service that
// is only built, <project>-<service> as docker compose names it.
func ImageName(p *types.Project, s types.ServiceConfig) string {
	if s.Image != "" {
		return s.Image
	}
	return p.Name + "-" + s.Name
}

// Replicas is how many containers a service runs: --scale, scale:,
// deploy.replicas, else 1.
func Replicas(s types.ServiceConfig) int {
	if s.Scale != nil {
		return *s.Scale
	}
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		return *s.Deploy.Replicas
	}
	return 1
}

// ConfigHash is a digest of what a service's containers are made from;
// a change recreates them. Scale is left out: it changes how many, not
// what; so are env_file's paths, whose variables are in environment
// already (and config, as docker compose's, prints them without).
func ConfigHash(s types.ServiceConfig) (string, error) {
	s.Scale = nil
	s.EnvFiles = nil
	if s.Deploy != nil {
		d := *s.Deploy
		d.Replicas = nil
		s.Deploy = &d
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// networkName is the engine's name of a project network.
func networkName(p *types.Project, key string) string {
	if n, ok := p.Networks[key]; ok && n.Name != "" {
		return n.Name
	}
	return p.Name + "_" + key
}

// volumeName is the engine's name of a project volume.
func volumeName(p *types.Project, key string) string {
	if v, ok := p.Volumes[key]; ok && v.Name != "" {
		return v.Name
	}
	return p.Name + "_" + key
}

// serviceNetworks are the networks a service joins, in a stable order,
// with its aliases on each (the service name among them).
func serviceNetworks(p *types.Project, s types.ServiceConfig) (names []string, aliases map[string][]string) {
	aliases = map[string][]string{}
	keys := make([]string, 0, len(s.Networks))
	for k := range s.Networks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := 0, 0
		if c := s.Networks[keys[i]]; c != nil {
			pi = c.Priority
		}
		if c := s.Networks[keys[j]]; c != nil {
			pj = c.Priority
		}
		if pi != pj {
			return pi > pj
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		n := networkName(p, k)
		names = append(names, n)
		a := []string{s.Name}
		if c := s.Networks[k]; c != nil {
			a = append(a, c.Aliases...)
		}
		if s.Hostname != "" && s.Hostname != s.Name {
			a = append(a, s.Hostname)
		}
		aliases[n] = a
	}
	return names, aliases
}

// createOptions turns one replica of a service into the engine's create
// options. links name the linked services' first containers.
func createOptions(p *types.Project, s types.ServiceConfig, n int, hash string, oneoff bool) (engine.CreateOptions, []string, map[string][]string, error) {
	o := engine.CreateOptions{
		Name: ContainerName(p, s, n), Image: ImageName(p, s),
		Cmd: s.Command, WorkingDir: s.WorkingDir, User: s.User, Hostname: s.Hostname,
		Tty: s.Tty, OpenStdin: s.StdinOpen, StopSignal: s.StopSignal,
		Labels: map[string]string{}, ExposedPorts: s.Expose,
	}
	if oneoff {
		o.Name = fmt.Sprintf("%s-%s-run-%d", p.Name, s.Name, time.Now().UnixNano()%1_000_000)
	}
	if s.Entrypoint != nil {
		ep := []string(s.Entrypoint)
		o.Entrypoint = &ep
	}
	for k, v := range s.Environment {
		if v != nil {
			o.Env = append(o.Env, k+"="+*v)
		}
	}
	sort.Strings(o.Env)
	for k, v := range s.Labels {
		o.Labels[k] = v
	}
	o.Labels[LabelProject] = p.Name
	o.Labels[LabelService] = s.Name
	o.Labels[LabelNumber] = strconv.Itoa(n)
	o.Labels[LabelConfigHash] = hash
	o.Labels[LabelWorkingDir] = p.WorkingDir
	o.Labels[LabelConfigFiles] = strings.Join(p.ComposeFiles, ",")
	o.Labels[LabelOneoff] = map[bool]string{true: "True", false: "False"}[oneoff]
	if s.ContainerName != "" && Replicas(s) > 1 {
		return o, nil, nil, fmt.Errorf("service %q: container_name %q cannot be shared by %d replicas", s.Name, s.ContainerName, Replicas(s))
	}

	h := &o.Host
	h.CapAdd, h.CapDrop, h.Privileged, h.SecurityOpt = s.CapAdd, s.CapDrop, s.Privileged, s.SecurityOpt
	h.ReadonlyRootfs, h.GroupAdd, h.OomKillDisable = s.ReadOnly, s.GroupAdd, s.OomKillDisable
	h.PidMode, h.IpcMode, h.UTSMode = s.Pid, s.Ipc, s.Uts
	h.DNS, h.DNSSearch, h.DNSOptions = s.DNS, s.DNSSearch, s.DNSOpts
	h.CPUShares, h.CpusetCpus = s.CPUShares, s.CPUSet
	h.Memory, h.MemoryReservation, h.MemorySwap = int64(s.MemLimit), int64(s.MemReservation), int64(s.MemSwapLimit)
	h.ShmSize, h.PidsLimit = int64(s.ShmSize), s.PidsLimit
	h.VolumesFrom = s.VolumesFrom
	if s.CPUS > 0 {
		h.NanoCPUs = int64(float64(s.CPUS) * 1e9)
	}
	if s.Init != nil {
		h.Init = *s.Init
	}
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		l := s.Deploy.Resources.Limits
		if l.MemoryBytes > 0 {
			h.Memory = int64(l.MemoryBytes)
		}
		if l.NanoCPUs > 0 {
			h.NanoCPUs = int64(float64(l.NanoCPUs.Value()) * 1e9)
		}
		if l.Pids > 0 {
			h.PidsLimit = l.Pids
		}
	}
	if s.StopGracePeriod != nil {
		t := int(time.Duration(*s.StopGracePeriod) / time.Second)
		o.StopTimeout = &t
	}
	restart := s.Restart
	if restart == "" && s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		switch s.Deploy.RestartPolicy.Condition {
		case "any":
			restart = "always"
		case "on-failure":
			restart = "on-failure"
			if s.Deploy.RestartPolicy.MaxAttempts != nil {
				restart += ":" + strconv.FormatUint(*s.Deploy.RestartPolicy.MaxAttempts, 10)
			}
		}
	}
	if restart != "" {
		rp, err := engine.ParseRestartPolicy(restart)
		if err != nil {
			return o, nil, nil, fmt.Errorf("service %q: %w", s.Name, err)
		}
		h.RestartPolicy = rp
	}
	for host, ips := range s.ExtraHosts {
		for _, ip := range ips {
			h.ExtraHosts = append(h.ExtraHosts, host+":"+ip)
		}
	}
	sort.Strings(h.ExtraHosts)
	if len(s.Sysctls) > 0 {
		h.Sysctls = map[string]string(s.Sysctls)
	}
	for name, u := range s.Ulimits {
		soft, hard := u.Soft, u.Hard
		if u.Single != 0 {
			soft, hard = u.Single, u.Single
		}
		h.Ulimits = append(h.Ulimits, engine.Ulimit{Name: name, Soft: int64(soft), Hard: int64(hard)})
	}
	for _, d := range s.Devices {
		h.Devices = append(h.Devices, engine.DeviceMapping{PathOnHost: d.Source, PathInContainer: d.Target, CgroupPermissions: firstNonEmpty(d.Permissions, "rwm")})
	}
	if s.Logging != nil {
		h.LogConfig = engine.LogConfig{Type: s.Logging.Driver, Config: s.Logging.Options}
	} else if s.LogDriver != "" || len(s.LogOpt) > 0 {
		h.LogConfig = engine.LogConfig{Type: s.LogDriver, Config: s.LogOpt}
	}
	for _, t := range s.Tmpfs {
		if h.Tmpfs == nil {
			h.Tmpfs = map[string]string{}
		}
		dst, opts, _ := strings.Cut(t, ":")
		h.Tmpfs[dst] = opts
	}
	for _, pc := range s.Ports {
		if h.PortBindings == nil {
			h.PortBindings = map[string][]engine.PortBinding{}
		}
		key := fmt.Sprintf("%d/%s", pc.Target, firstNonEmpty(pc.Protocol, "tcp"))
		h.PortBindings[key] = append(h.PortBindings[key], engine.PortBinding{HostIP: pc.HostIP, HostPort: pc.Published})
	}
	for _, v := range s.Volumes {
		m, err := mountOf(p, v)
		if err != nil {
			return o, nil, nil, fmt.Errorf("service %q: %w", s.Name, err)
		}
		h.Mounts = append(h.Mounts, m)
	}
	if hc := s.HealthCheck; hc != nil {
		o.Healthcheck = healthOf(hc)
	}
	for _, l := range s.Links {
		svc, alias, _ := strings.Cut(l, ":")
		target, err := p.GetService(svc)
		if err != nil {
			return o, nil, nil, fmt.Errorf("service %q: link to %q: %w", s.Name, svc, err)
		}
		if alias == "" {
			alias = svc
		}
		h.Links = append(h.Links, ContainerName(p, target, 1)+":"+alias)
	}

	// Networking: network_mode, or the service's networks (the first at
	// create, the others connected before start).
	switch mode := firstNonEmpty(s.NetworkMode, s.Net); {
	case strings.HasPrefix(mode, "service:"):
		target, err := p.GetService(strings.TrimPrefix(mode, "service:"))
		if err != nil {
			return o, nil, nil, fmt.Errorf("service %q: network_mode %s: %w", s.Name, mode, err)
		}
		h.NetworkMode = "container:" + ContainerName(p, target, 1)
		return o, nil, nil, nil
	case mode != "":
		h.NetworkMode = mode
		return o, nil, nil, nil
	}
	nets, aliases := serviceNetworks(p, s)
	if len(nets) > 0 {
		h.NetworkMode = nets[0]
		o.NetworkAliases = aliases[nets[0]]
	}
	return o, nets, aliases, nil
}

// mountOf is one entry of a service's volumes: a named volume is the
// project's (<project>_<name>); a bind source was resolved against the
// project directory by the loader.
func mountOf(p *types.Project, v types.ServiceVolumeConfig) (engine.Mount, error) {
	m := engine.Mount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly, Consistency: v.Consistency}
	switch v.Type {
	case types.VolumeTypeVolume:
		if v.Source != "" {
			if _, ok := p.Volumes[v.Source]; !ok {
				return m, fmt.Errorf("volume %q is not declared in the top-level volumes", v.Source)
			}
			m.Source = volumeName(p, v.Source)
		}
		if v.Volume != nil && v.Volume.NoCopy {
			m.VolumeOptions = &engine.VolumeOptions{NoCopy: true}
		}
	case types.VolumeTypeBind:
		if v.Bind != nil && v.Bind.Propagation != "" {
			m.BindOptions = &engine.BindOptions{Propagation: v.Bind.Propagation}
		}
	case types.VolumeTypeTmpfs:
		if v.Tmpfs != nil {
			m.TmpfsOptions = &engine.TmpfsOptions{SizeBytes: int64(v.Tmpfs.Size), Mode: v.Tmpfs.Mode}
		}
	default:
		return m, fmt.Errorf("volume type %q is not supported by berth (bind, volume, tmpfs)", v.Type)
	}
	return m, nil
}

// healthOf is a service's healthcheck as the engine takes it.
func healthOf(hc *types.HealthCheckConfig) *engine.HealthConfig {
	if hc.Disable {
		return &engine.HealthConfig{Test: []string{"NONE"}}
	}
	h := &engine.HealthConfig{Test: hc.Test}
	d := func(x *types.Duration) time.Duration {
		if x == nil {
			return 0
		}
		return time.Duration(*x)
	}
	h.Interval, h.Timeout, h.StartPeriod, h.StartInterval = d(hc.Interval), d(hc.Timeout), d(hc.StartPeriod), d(hc.StartInterval)
	if hc.Retries != nil {
		h.Retries = int(*hc.Retries)
	}
	return h
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
