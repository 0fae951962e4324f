package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	units "github.com/docker/go-units"

	"github.com/spf13/pflag"

	"github.com/berthdev/berth/engine"
)

// extraFlags are more of docker's run/create flags: --expose,
// --stop-signal, --stop-timeout, --cidfile, the /etc files' and the
// resource options.
type extraFlags struct {
	expose      []string
	stopTimeout int
	cidfile     string

	addHost, dns, dnsSearch, dnsOption []string
	cpuShares                          int64
	cpusetCpus, cpusetMems             string
	memoryReservation, shmSize         string
	oomKillDisable                     bool
	sysctls, devices                   []string
	logDriver                          string
	logOpts                            []string
	ip, macAddress                     string
	attach                             []string
}

func (x *extraFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&x.expose, "expose", nil, "Expose a port or a range of ports")
	fs.IntVar(&x.stopTimeout, "stop-timeout", 0, "Timeout (in seconds) to stop a container")
	fs.StringVar(&x.cidfile, "cidfile", "", "Write the container ID to the file")
	fs.StringArrayVar(&x.addHost, "add-host", nil, "Add a custom host-to-IP mapping (host:ip)")
	fs.StringArrayVar(&x.dns, "dns", nil, "Set custom DNS servers")
	fs.StringArrayVar(&x.dnsSearch, "dns-search", nil, "Set custom DNS search domains")
	fs.StringArrayVar(&x.dnsOption, "dns-option", nil, "Set DNS options")
	fs.Int64VarP(&x.cpuShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	fs.StringVar(&x.cpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	fs.StringVar(&x.cpusetMems, "cpuset-mems", "", "MEMs in which to allow execution (0-3, 0,1)")
	fs.StringVar(&x.memoryReservation, "memory-reservation", "", "Memory soft limit")
	fs.StringVar(&x.shmSize, "shm-size", "", "Size of /dev/shm")
	fs.BoolVar(&x.oomKillDisable, "oom-kill-disable", false, "Disable OOM Killer")
	fs.StringArrayVar(&x.sysctls, "sysctl", nil, "Sysctl options")
	fs.StringArrayVar(&x.devices, "device", nil, "Add a host device to the container")
	fs.StringVar(&x.logDriver, "log-driver", "", "Logging driver for the container (json-file, local, none)")
	fs.StringArrayVar(&x.logOpts, "log-opt", nil, "Log driver options (max-size, max-file, compress)")
	fs.StringVar(&x.ip, "ip", "", "IPv4 address (e.g., 172.30.100.104)")
	fs.StringVar(&x.macAddress, "mac-address", "", "Container MAC address (e.g., 92:d0:c6:0a:29:33)")
	fs.StringArrayVarP(&x.attach, "attach", "a", nil, "Attach to STDIN, STDOUT or STDERR")
}

func (x *extraFlags) apply(fs *pflag.FlagSet, o *engine.CreateOptions) error {
	var err error
	if o.Attach, err = attachStreams(x.attach); err != nil {
		return err
	}
	o.ExposedPorts = x.expose
	o.IPv4Address, o.MacAddress = x.ip, x.macAddress
	if fs.Changed("stop-timeout") {
		t := x.stopTimeout
		o.StopTimeout = &t
	}
	h := &o.Host
	h.ExtraHosts, h.DNS, h.DNSSearch, h.DNSOptions = x.addHost, x.dns, x.dnsSearch, x.dnsOption
	h.CPUShares, h.CpusetCpus, h.CpusetMems, h.OomKillDisable = x.cpuShares, x.cpusetCpus, x.cpusetMems, x.oomKillDisable
	for _, b := range []struct {
		flag, v string
		dst     *int64
	}{{"--memory-reservation", x.memoryReservation, &h.MemoryReservation}, {"--shm-size", x.shmSize, &h.ShmSize}} {
		if b.v == "" {
			continue
		}
		n, err := units.RAMInBytes(b.v)
		if err != nil {
			return fmt.Errorf("invalid argument %q for %q flag: %v", b.v, b.flag, err)
		}
		*b.dst = n
	}
	for _, sc := range x.sysctls {
		k, v, ok := strings.Cut(sc, "=")
		if !ok || k == "" {
			return fmt.Errorf("invalid argument %q for \"--sysctl\" flag: want KEY=VALUE", sc)
		}
		if h.Sysctls == nil {
			h.Sysctls = map[string]string{}
		}
		h.Sysctls[k] = v
	}
	h.LogConfig.Type = x.logDriver
	for _, lo := range x.logOpts {
		k, v, ok := strings.Cut(lo, "=")
		if !ok || k == "" {
			return fmt.Errorf("invalid argument %q for \"--log-opt\" flag: want KEY=VALUE", lo)
		}
		if h.LogConfig.Config == nil {
			h.LogConfig.Config = map[string]string{}
		}
		h.LogConfig.Config[k] = v
	}
	for _, d := range x.devices {
		dm, err := engine.ParseDevice(d)
		if err != nil {
			return err
		}
		h.Devices = append(h.Devices, dm)
	}
	return nil
}

// openCidfile makes --cidfile's file before the container exists, as
// docker does: an existing file is an error, so two runs never share one.
func (x *extraFlags) openCidfile() (*os.File, error) {
	if x.cidfile == "" {
		return nil, nil
	}
	f, err := os.OpenFile(x.cidfile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if os.IsExist(err) {
		return nil, fmt.Errorf("container ID file found, make sure the other container isn't running or delete %s", x.cidfile)
	}
	return f, err
}

// writeCidfile writes id to the file openCidfile made; after a failed
// create the file is removed (docker leaves no empty file either).
func writeCidfile(f *os.File, id string, createErr error) error {
	if f == nil {
		return nil
	}
	defer f.Close()
	if createErr != nil {
		os.Remove(f.Name())
		return nil
	}
	if _, err := f.WriteString(id); err != nil {
		return fmt.Errorf("writing the container ID file: %v", err)
	}
	return nil
}

// attachStreams checks -a values (docker's ValidateAttach: STDIN, STDOUT,
// STDERR, any case) and returns them in lower case.
func attachStreams(attach []string) ([]string, error) {
	var out []string
	for _, a := range attach {
		switch v := strings.ToLower(a); v {
		case "stdin", "stdout", "stderr":
			out = append(out, v)
		default:
			return nil, fmt.Errorf("invalid argument %q for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", a)
		}
	}
	return out, nil
}

// attachOnly keeps the streams -a named (already checked); without -a all
// of them stay.
func attachOnly(s *engine.Streams, attach []string) {
	if len(attach) == 0 {
		return
	}
	if !slices.Contains(attach, "stdin") {
		s.Stdin = nil
	}
	if !slices.Contains(attach, "stdout") {
		s.Stdout = nil
	}
	if !slices.Contains(attach, "stderr") {
		s.Stderr = nil
	}
}
