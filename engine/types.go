package engine

import (
	"io"
	"time"
)

// CreateOptions is what `berth create` and `berth run` ask for, with docker's
// meanings. Zero values mean "as the image says" or "docker's default".
type CreateOptions struct {
	Name       string
	Image      string   // reference as typed
	Cmd        []string // replaces the image's CMD when non-empty
	Entrypoint *[]string
	Env        []string // KEY=VALUE; KEY alone takes the caller's value (resolved by the CLI)
	WorkingDir string
	User       string
	Hostname   string
	StopSignal string // replaces the image's STOPSIGNAL when set
	Tty        bool
	OpenStdin  bool
	// Attach are the streams -a names: "stdin", "stdout", "stderr"; none
	// means docker's default (stdout, stderr, and stdin with OpenStdin).
	Attach []string
	Labels map[string]string
	Host   HostConfig
	// NetworkAliases are more names for the container on its user network.
	NetworkAliases []string
	// IPv4Address (--ip) is its fixed address on its user network;
	// MacAddress (--mac-address) its interface's address there.
	IPv4Address string
	MacAddress  string
	// ExposedPorts are --expose: "80", "53/udp", "8000-8010".
	ExposedPorts []string
	// StopTimeout (--stop-timeout) is the seconds stop waits before
	// SIGKILL; nil is docker's 10, -1 waits for ever.
	StopTimeout *int
	// Healthcheck overrides the image's HEALTHCHECK field by field
	// (--health-*); Test ["NONE"] turns it off (--no-healthcheck).
	Healthcheck *HealthConfig
}

// HostConfig is the part of a container's configuration that is about the
// host: limits, privileges, networking. JSON names are docker's.
type HostConfig struct {
	Memory      int64    `json:"Memory"`     // bytes; 0 = unlimited
	MemorySwap  int64    `json:"MemorySwap"` // bytes of memory+swap; 0 = docker's default (2x Memory); -1 = unlimited
	NanoCPUs    int64    `json:"NanoCpus"`   // 1e9 = one CPU
	PidsLimit   int64    `json:"PidsLimit"`  // 0 = unlimited
	CapAdd      []string `json:"CapAdd"`
	CapDrop     []string `json:"CapDrop"`
	Privileged  bool     `json:"Privileged"`
	SecurityOpt []string `json:"SecurityOpt"`
	NetworkMode string   `json:"NetworkMode"` // "none", "host" or "container:<id>"
	PidMode     string   `json:"PidMode"`     // "" (own), "host" or "container:<id>"
	IpcMode     string   `json:"IpcMode"`     // "private", "shareable", "none", "host" or "container:<id>"
	UTSMode     string   `json:"UTSMode"`     // "" (own) or "host"
	// UsernsMode is --userns: "" or "host" (the host's user namespace),
	// "private" (container root is an unprivileged host range) or
	// "keep-id" (the calling user keeps its ID; the rest is a private range).
	UsernsMode string `json:"UsernsMode"`
	// IDMappings are the maps of its user namespace: asked with
	// --uidmap/--gidmap, or allocated at create for private and keep-id.
	IDMappings *IDMappings `json:"IDMappings,omitempty"`
	AutoRemove bool        `json:"AutoRemove"`

	// durability
	RestartPolicy  RestartPolicy `json:"RestartPolicy"`
	Init           bool          `json:"Init"`           // tini as PID 1
	ReadonlyRootfs bool          `json:"ReadonlyRootfs"` // --read-only
	GroupAdd       []string      `json:"GroupAdd"`       // supplementary groups, names or GIDs
	Ulimits        []Ulimit      `json:"Ulimits"`        // --ulimit

	// storage
	Binds       []string          `json:"Binds"`       // -v
	Mounts      []Mount           `json:"Mounts"`      // --mount
	Tmpfs       map[string]string `json:"Tmpfs"`       // --tmpfs path -> options
	VolumesFrom []string          `json:"VolumesFrom"` // --volumes-from

	// networking
	PortBindings    map[string][]PortBinding `json:"PortBindings"`    // "80/tcp" -> host addresses
	PublishAllPorts bool                     `json:"PublishAllPorts"` // -P
	Links           []string                 `json:"Links"`           // NAME[:ALIAS]
	ExtraHosts      []string                 `json:"ExtraHosts"`      // --add-host HOST:IP
	DNS             []string                 `json:"Dns"`             // --dns
	DNSSearch       []string                 `json:"DnsSearch"`       // --dns-search
	DNSOptions      []string                 `json:"DnsOptions"`      // --dns-option

	// resources beyond the limits above
	CPUShares         int64             `json:"CpuShares"`         // relative weight, 2..262144
	CpusetCpus        string            `json:"CpusetCpus"`        // "0-1", "0,2"
	CpusetMems        string            `json:"CpusetMems"`        // NUMA nodes
	MemoryReservation int64             `json:"MemoryReservation"` // soft limit, bytes
	OomKillDisable    bool              `json:"OomKillDisable"`
	ShmSize           int64             `json:"ShmSize"` // /dev/shm's size; 0 = docker's 64 MiB
	Sysctls           map[string]string `json:"Sysctls"`
	Devices           []DeviceMapping   `json:"Devices"`

	LogConfig LogConfig `json:"LogConfig"` // --log-driver, --log-opt
}

// IDMappings are a user namespace's maps in podman's spelling, one
// CONTAINER:HOST:SIZE per line of /proc/PID/uid_map and gid_map.
type IDMappings struct {
	UIDMap []string `json:"UidMap"`
	GIDMap []string `json:"GidMap"`
}

// DeviceMapping is one --device HOST[:CONTAINER[:PERMISSIONS]].
type DeviceMapping struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

// ContainerSummary is one row of `berth ps`.
type ContainerSummary struct {
	ID       string
	Names    []string
	Image    string // as typed at create
	ImageID  string
	Command  string
	Created  time.Time
	State    string // created, running, paused, restarting, exited, dead
	Status   string // "Up 2 minutes", "Exited (0) 3 seconds ago"
	ExitCode int
	// OOMKilled says the kernel's OOM killer ended its last run.
	OOMKilled bool
	// RestartCount is how often its restart policy restarted it since it
	// was last started by hand.
	RestartCount int
	// Ports are its published ports while it runs.
	Ports      []PortMapping
	Labels     map[string]string
	StartedAt  time.Time
	FinishedAt time.Time
	// Health is its health check's status: starting, healthy or
	// unhealthy; empty when it has none.
	Health string
	// Mounts are its mounts as docker's ps names them: a volume's name,
	// else the source.
	Mounts []string
	// Networks are the networks it joins (host or none for those modes).
	Networks []string
}

// Streams connects a caller's terminal or pipes to a container or an exec.
// Nil members are not attached.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Resize delivers terminal size changes for -t sessions.
	Resize <-chan TermSize
	// DetachKeys ends an attach without stopping the container; the default
	// is ctrl-p ctrl-q. Only read on -t sessions.
	DetachKeys []byte
}

// TermSize is a terminal size in character cells.
type TermSize struct{ Rows, Cols uint16 }

// ExecOptions is `berth exec`.
type ExecOptions struct {
	Cmd        []string
	Env        []string
	User       string
	WorkingDir string
	Tty        bool
	Detach     bool
	Privileged bool
	Size       TermSize // initial terminal size for Tty
}

// LogOptions is `berth logs`.
type LogOptions struct {
	Follow     bool
	Tail       int // lines from the end; <0 = all
	Since      time.Time
	Until      time.Time
	Timestamps bool
}

// LogEntry is one line of a container's log.
type LogEntry struct {
	Stream string    `json:"stream"` // "stdout" or "stderr"
	Time   time.Time `json:"time"`
	Log    string    `json:"log"`
}

// Process is one process of a container, as `berth top` shows it.
type Process struct {
	PID, PPID    int // host view
	ContainerPID int // the PID inside the container's PID namespace
	UID          int
	User         string
	State        string
	StartTime    time.Time
	CPUTime      time.Duration
	TTY          string
	Cmd          string
}

// ErrDetached is returned by Attach and Start when the user pressed the
// detach keys: the container keeps running.
var ErrDetached = errDetached{}

type errDetached struct{}

func (errDetached) Error() string { return "detached" }
