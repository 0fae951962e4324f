package container

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
)

// Record is config.json: what was asked for at create time. It never
// changes after create, except Name (rename) and Networks (network
// connect and disconnect). Its JSON is version 2 of the store's schema.
type Record struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Created    time.Time     `json:"created"`
	Image      string        `json:"image"`    // as typed
	ImageRef   string        `json:"imageRef"` // normalized name, if any
	ImageID    string        `json:"imageId"`
	LowerDirs  []string      `json:"lowerDirs"` // overlay lowerdirs, top first
	Path       string        `json:"path"`      // argv[0]
	Args       []string      `json:"args"`      // argv[1:]
	Config     Config        `json:"config"`
	Host       HostConfig    `json:"hostConfig"`
	StopSignal string        `json:"stopSignal,omitempty"`
	StopTime   time.Duration `json:"stopTimeout,omitempty"`
	Mounts     []MountPoint  `json:"mounts,omitempty"` // resolved at create
	// Networks are the networks it joins (besides none, host or another
	// container's), with its aliases on each.
	Networks map[string]EndpointConfig `json:"networks,omitempty"`
}

// Config is the container's Config, as docker's inspect shows it.
type Config struct {
	Hostname     string              `json:"Hostname"`
	User         string              `json:"User"`
	Env          []string            `json:"Env"`
	Cmd          []string            `json:"Cmd"`
	Entrypoint   []string            `json:"Entrypoint"`
	WorkingDir   string              `json:"WorkingDir"`
	Tty          bool                `json:"Tty"`
	OpenStdin    bool                `json:"OpenStdin"`
	Labels       map[string]string   `json:"Labels"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	Volumes      map[string]struct{} `json:"Volumes"`
	Healthcheck  *HealthConfig       `json:"Healthcheck,omitempty"`
	// Attach: the streams -a named; none means docker's default.
	Attach []string `json:"Attach,omitempty"`
}

// HostConfig is what was asked about the host: limits, privileges,
// networking, storage. JSON names are docker's.
type HostConfig struct {
	Memory          int64                    `json:"Memory"`
	MemorySwap      int64                    `json:"MemorySwap"`
	NanoCPUs        int64                    `json:"NanoCpus"`
	PidsLimit       int64                    `json:"PidsLimit"`
	CapAdd          []string                 `json:"CapAdd"`
	CapDrop         []string                 `json:"CapDrop"`
	Privileged      bool                     `json:"Privileged"`
	SecurityOpt     []string                 `json:"SecurityOpt"`
	NetworkMode     string                   `json:"NetworkMode"`
	PidMode         string                   `json:"PidMode"`
	IpcMode         string                   `json:"IpcMode"`
	UTSMode         string                   `json:"UTSMode"`
	UsernsMode      string                   `json:"UsernsMode,omitempty"`
	IDMappings      *IDMappings              `json:"IDMappings,omitempty"`
	AutoRemove      bool                     `json:"AutoRemove"`
	RestartPolicy   RestartPolicy            `json:"RestartPolicy"`
	Init            bool                     `json:"Init"`
	ReadonlyRootfs  bool                     `json:"ReadonlyRootfs"`
	GroupAdd        []string                 `json:"GroupAdd"`
	Ulimits         []Ulimit                 `json:"Ulimits,omitempty"`
	Binds           []string                 `json:"Binds"`
	Mounts          []Mount                  `json:"Mounts"`
	Tmpfs           map[string]string        `json:"Tmpfs"`
	VolumesFrom     []string                 `json:"VolumesFrom"`
	PortBindings    map[string][]PortBinding `json:"PortBindings"`
	PublishAllPorts bool                     `json:"PublishAllPorts"`
	Links           []string                 `json:"Links"`
	ExtraHosts      []string                 `json:"ExtraHosts,omitempty"`
	DNS             []string                 `json:"Dns,omitempty"`
	DNSSearch       []string                 `json:"DnsSearch,omitempty"`
	DNSOptions      []string                 `json:"DnsOptions,omitempty"`

	CPUShares         int64             `json:"CpuShares,omitempty"`
	CpusetCpus        string            `json:"CpusetCpus,omitempty"`
	CpusetMems        string            `json:"CpusetMems,omitempty"`
	MemoryReservation int64             `json:"MemoryReservation,omitempty"`
	OomKillDisable    bool              `json:"OomKillDisable,omitempty"`
	ShmSize           int64             `json:"ShmSize,omitempty"`
	Sysctls           map[string]string `json:"Sysctls,omitempty"`
	Devices           []DeviceMapping   `json:"Devices,omitempty"`
	LogConfig         *LogConfig        `json:"LogConfig,omitempty"`
}

// IDMappings are a user namespace's maps, CONTAINER:HOST:SIZE each.
type IDMappings struct {
	UIDMap []string `json:"UidMap"`
	GIDMap []string `json:"GidMap"`
}

// LogConfig is --log-driver and --log-opt; nil is json-file without options.
type LogConfig struct {
	Type   string            `json:"Type"`
	Config map[string]string `json:"Config,omitempty"`
}

// Ulimit is one --ulimit.
type Ulimit struct {
	Name string `json:"Name"`
	Soft int64  `json:"Soft"`
	Hard int64  `json:"Hard"`
}

// DeviceMapping is one --device.
type DeviceMapping struct {
	PathOnHost        string `json:"PathOnHost"`
	PathInContainer   string `json:"PathInContainer"`
	CgroupPermissions string `json:"CgroupPermissions"`
}

// RestartPolicy is --restart.
type RestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount int    `json:"MaximumRetryCount"`
}

// Mount is one --mount as asked.
type Mount struct {
	Type          string         `json:"Type"`
	Source        string         `json:"Source,omitempty"`
	Target        string         `json:"Target"`
	ReadOnly      bool           `json:"ReadOnly,omitempty"`
	Consistency   string         `json:"Consistency,omitempty"`
	BindOptions   *BindOptions   `json:"BindOptions,omitempty"`
	VolumeOptions *VolumeOptions `json:"VolumeOptions,omitempty"`
	TmpfsOptions  *TmpfsOptions  `json:"TmpfsOptions,omitempty"`
}

// BindOptions are a bind mount's propagation and recursion.
type BindOptions struct {
	Propagation  string `json:"Propagation,omitempty"`
	NonRecursive bool   `json:"NonRecursive,omitempty"`
}

// VolumeOptions are a volume mount's nocopy and labels.
type VolumeOptions struct {
	NoCopy bool              `json:"NoCopy,omitempty"`
	Labels map[string]string `json:"Labels,omitempty"`
}

// TmpfsOptions are a tmpfs mount's size and mode.
type TmpfsOptions struct {
	SizeBytes int64  `json:"SizeBytes,omitempty"`
	Mode      uint32 `json:"Mode,omitempty"`
}

// PortBinding is one host address of a published port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// MountPoint is a mount resolved at create time.
type MountPoint struct {
	Type         string            `json:"Type"`
	Name         string            `json:"Name,omitempty"`
	Source       string            `json:"Source"`
	Destination  string            `json:"Destination"`
	Driver       string            `json:"Driver,omitempty"`
	Mode         string            `json:"Mode"`
	RW           bool              `json:"RW"`
	Propagation  string            `json:"Propagation"`
	NoCopy       bool              `json:"NoCopy,omitempty"`
	TmpfsOptions string            `json:"TmpfsOptions,omitempty"`
	NonRecursive bool              `json:"NonRecursive,omitempty"`
	Labels       map[string]string `json:"Labels,omitempty"`
}

// EndpointConfig is the container's configuration on one network.
type EndpointConfig struct {
	Aliases []string `json:"Aliases"`
	// IPv4Address (--ip) and MacAddress (--mac-address) are the fixed
	// address asked for on this network; empty: the network picks.
	IPv4Address string `json:"IPv4Address,omitempty"`
	MacAddress  string `json:"MacAddress,omitempty"`
}

// ReadRecord reads the record of the container whose directory is dir.
func ReadRecord(dir string) (*Record, error) {
	var r Record
	if err := readJSON(filepath.Join(dir, RecordFile), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// WriteNew fills dir, a new container's private staging directory that
// the caller renames into place, with its record and its first state
// (Created): both files written, then synced, then dir (see
// atomicfile.Populate: one journal commit where a file at a time took four).
func WriteNew(dir string, r *Record) error {
	rec, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", RecordFile, err)
	}
	st, err := json.MarshalIndent(&State{Status: Created}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", StateFile, err)
	}
	return atomicfile.Populate(dir, 0o600, map[string][]byte{RecordFile: append(rec, '\n'), StateFile: append(st, '\n')})
}

// WriteRecord replaces the record in dir, durably.
func WriteRecord(dir string, r *Record) error {
	return atomicfile.WriteJSON(filepath.Join(dir, RecordFile), r, 0o600)
}
