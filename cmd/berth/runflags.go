package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/docker/cli/pkg/kvfile"
	units "github.com/docker/go-units"
	"github.com/spf13/pflag"

	"github.com/berthdev/berth/engine"
)

// createFlags are the flags `create` and `run` share, with docker's names.
type createFlags struct {
	name, entrypoint, workdir, user, hostname, network string
	pid, ipc, uts, restart, stopSignal                 string
	userns                                             string
	uidmap, gidmap                                     []string
	ulimits                                            []string
	groupAdd                                           []string
	volumes, mounts, tmpfs, volumesFrom                []string
	publish, links, aliases                            []string
	publishAll                                         bool
	init, readOnly                                     bool
	memory, memorySwap, cpus                           string
	pidsLimit                                          int64
	env, envFile, capAdd, capDrop, securityOpt, labels []string
	interactive, tty, rm, privileged                   bool
	entrypointSet                                      bool
	health                                             healthFlags
	extra                                              extraFlags
}

func (f *createFlags) register(fs *pflag.FlagSet) {
	fs.SetInterspersed(false)             // flags after the image belong to the command
	fs.Bool("help", false, "Print usage") // docker: -h is --hostname, help has no shorthand
	fs.StringVar(&f.name, "name", "", "Assign a name to the container")
	fs.StringVar(&f.entrypoint, "entrypoint", "", "Overwrite the default ENTRYPOINT of the image")
	fs.StringVarP(&f.workdir, "workdir", "w", "", "Working directory inside the container")
	fs.StringVarP(&f.user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	fs.StringVarP(&f.hostname, "hostname", "h", "", "Container host name")
	fs.StringVar(&f.network, "network", "", "Connect a container to a network (bridge, NAME, none, host, container:NAME)")
	fs.StringVar(&f.pid, "pid", "", "PID namespace to use (host, container:NAME)")
	fs.StringVar(&f.ipc, "ipc", "", "IPC mode to use (private, shareable, none, host, container:NAME)")
	fs.StringVar(&f.uts, "uts", "", "UTS namespace to use (host, container:NAME)")
	fs.StringVar(&f.userns, "userns", "", "User namespace to use (host, private, keep-id, container:NAME)")
	fs.StringArrayVar(&f.uidmap, "uidmap", nil, "UID map of the user namespace (CONTAINER:HOST:SIZE)")
	fs.StringArrayVar(&f.gidmap, "gidmap", nil, "GID map of the user namespace (CONTAINER:HOST:SIZE)")
	fs.StringVar(&f.network, "net", "", "Connect a container to a network")
	fs.MarkHidden("net")
	fs.StringVarP(&f.memory, "memory", "m", "", "Memory limit")
	fs.StringVar(&f.memorySwap, "memory-swap", "", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
	fs.StringVar(&f.cpus, "cpus", "", "Number of CPUs")
	fs.Int64Var(&f.pidsLimit, "pids-limit", 0, "Tune container pids limit (set -1 for unlimited)")
	fs.StringArrayVarP(&f.env, "env", "e", nil, "Set environment variables")
	fs.StringArrayVar(&f.envFile, "env-file", nil, "Read in a file of environment variables")
	fs.StringArrayVar(&f.capAdd, "cap-add", nil, "Add Linux capabilities")
	fs.StringArrayVar(&f.capDrop, "cap-drop", nil, "Drop Linux capabilities")
	fs.StringArrayVar(&f.securityOpt, "security-opt", nil, "Security Options")
	fs.StringArrayVarP(&f.labels, "label", "l", nil, "Set meta data on a container")
	fs.BoolVarP(&f.interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	fs.BoolVarP(&f.tty, "tty", "t", false, "Allocate a pseudo-TTY")
	fs.BoolVar(&f.rm, "rm", false, "Automatically remove the container when it exits")
	fs.BoolVar(&f.privileged, "privileged", false, "Give extended privileges to this container")
	fs.StringVar(&f.stopSignal, "stop-signal", "", "Signal to stop the container")
	fs.StringArrayVar(&f.ulimits, "ulimit", nil, "Ulimit options (NAME=SOFT[:HARD])")
	fs.StringVar(&f.restart, "restart", "no", "Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)")
	fs.BoolVar(&f.init, "init", false, "Run an init inside the container that forwards signals and reaps processes")
	fs.BoolVar(&f.readOnly, "read-only", false, "Mount the container's root filesystem as read only")
	fs.StringArrayVar(&f.groupAdd, "group-add", nil, "Add additional groups to join")
	fs.StringArrayVarP(&f.volumes, "volume", "v", nil, "Bind mount a volume (SRC:DST[:ro], NAME:DST[:ro] or DST)")
	fs.StringArrayVar(&f.mounts, "mount", nil, "Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)")
	fs.StringArrayVar(&f.tmpfs, "tmpfs", nil, "Mount a tmpfs directory (PATH[:OPTIONS])")
	fs.StringArrayVar(&f.volumesFrom, "volumes-from", nil, "Mount volumes from the specified container(s) (NAME[:ro|rw])")
	fs.StringArrayVarP(&f.publish, "publish", "p", nil, "Publish a container's port(s) to the host ([IP:][HOST:]CONTAINER[/PROTO])")
	fs.BoolVarP(&f.publishAll, "publish-all", "P", false, "Publish all exposed ports to random ports")
	fs.StringArrayVar(&f.links, "link", nil, "Add link to another container (NAME[:ALIAS])")
	fs.StringArrayVar(&f.aliases, "network-alias", nil, "Add network-scoped alias for the container")
	f.health.register(fs)
	f.extra.register(fs)
}

// options turns the flags and the positional IMAGE [COMMAND [ARG...]] into
// engine options. Invalid values are reported with the flag's name.
func (f *createFlags) options(fs *pflag.FlagSet, args []string) (engine.CreateOptions, error) {
	o := engine.CreateOptions{
		Name: f.name, Image: args[0], Cmd: args[1:], WorkingDir: f.workdir, User: f.user,
		Hostname: f.hostname, Tty: f.tty, OpenStdin: f.interactive,
		Host: engine.HostConfig{
			NetworkMode: f.network, PidMode: f.pid, IpcMode: f.ipc, UTSMode: f.uts, CapAdd: f.capAdd, CapDrop: f.capDrop,
			Privileged: f.privileged, SecurityOpt: f.securityOpt, AutoRemove: f.rm,
			Init: f.init, ReadonlyRootfs: f.readOnly, GroupAdd: f.groupAdd,
			Binds: f.volumes, VolumesFrom: f.volumesFrom,
			PublishAllPorts: f.publishAll, Links: f.links,
		},
		NetworkAliases: f.aliases,
	}
	o.Host.UsernsMode = f.userns
	if len(f.uidmap) > 0 || len(f.gidmap) > 0 {
		o.Host.IDMappings = &engine.IDMappings{UIDMap: f.uidmap, GIDMap: f.gidmap}
	}
	for _, p := range f.publish {
		if o.Host.PortBindings == nil {
			o.Host.PortBindings = map[string][]engine.PortBinding{}
		}
		if err := engine.ParsePublish(p, o.Host.PortBindings); err != nil {
			return o, err
		}
	}
	for _, m := range f.mounts {
		mt, err := engine.ParseMountFlag(m)
		if err != nil {
			return o, err
		}
		o.Host.Mounts = append(o.Host.Mounts, mt)
	}
	for _, t := range f.tmpfs {
		if o.Host.Tmpfs == nil {
			o.Host.Tmpfs = map[string]string{}
		}
		dst, opts, _ := strings.Cut(t, ":")
		o.Host.Tmpfs[dst] = opts
	}
	var err error
	if err := f.extra.apply(fs, &o); err != nil {
		return o, err
	}
	if o.Healthcheck, err = f.health.options(fs); err != nil {
		return o, err
	}
	if o.Host.RestartPolicy, err = engine.ParseRestartPolicy(f.restart); err != nil {
		return o, err
	}
	if fs.Changed("entrypoint") {
		ep := []string{f.entrypoint}
		o.Entrypoint = &ep
	}
	if f.memory != "" {
		if o.Host.Memory, err = units.RAMInBytes(f.memory); err != nil {
			return o, fmt.Errorf("invalid argument %q for \"-m, --memory\" flag: %v", f.memory, err)
		}
	}
	if f.memorySwap != "" {
		if f.memorySwap == "-1" {
			o.Host.MemorySwap = -1
		} else if o.Host.MemorySwap, err = units.RAMInBytes(f.memorySwap); err != nil {
			return o, fmt.Errorf("invalid argument %q for \"--memory-swap\" flag: %v", f.memorySwap, err)
		}
	}
	if f.cpus != "" {
		c, err := strconv.ParseFloat(f.cpus, 64)
		if err != nil || c < 0 || math.IsNaN(c) || math.IsInf(c, 0) {
			return o, fmt.Errorf("invalid argument %q for \"--cpus\" flag: not a positive number", f.cpus)
		}
		o.Host.NanoCPUs = int64(c * 1e9)
	}
	switch {
	case f.pidsLimit > 0:
		o.Host.PidsLimit = f.pidsLimit
	case f.pidsLimit < -1:
		return o, fmt.Errorf("invalid argument \"%d\" for \"--pids-limit\" flag: use -1 or 0 for unlimited", f.pidsLimit)
	}
	for _, u := range f.ulimits {
		ul, err := engine.ParseUlimit(u)
		if err != nil {
			return o, err
		}
		o.Host.Ulimits = append(o.Host.Ulimits, ul)
	}
	o.StopSignal = f.stopSignal
	for _, file := range f.envFile {
		env, err := readEnvFile(file)
		if err != nil {
			return o, err
		}
		o.Env = append(o.Env, env...)
	}
	for _, kv := range f.env {
		o.Env = append(o.Env, expandEnv(kv)...)
	}
	if len(f.labels) > 0 {
		o.Labels = map[string]string{}
		for _, l := range f.labels {
			k, v, _ := strings.Cut(l, "=")
			if strings.TrimSpace(k) == "" {
				return o, fmt.Errorf("invalid label %q: empty name", l)
			}
			o.Labels[k] = v
		}
	}
	return o, nil
}

// expandEnv: KEY=VALUE stays; KEY alone takes the caller's value, or is
// dropped when unset, as docker does.
func expandEnv(kv string) []string {
	if strings.Contains(kv, "=") {
		return []string{kv}
	}
	if v, ok := os.LookupEnv(kv); ok {
		return []string{kv + "=" + v}
	}
	return nil
}

// readEnvFile reads an --env-file with docker's rules (docker/cli's
// kvfile): KEY=VALUE lines kept as written (trailing spaces included),
// KEY alone takes the caller's value or is dropped, # comments, a UTF-8
// BOM skipped; a key with whitespace or a line not UTF-8 is an error.
func readEnvFile(path string) ([]string, error) {
	env, err := kvfile.Parse(path, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("env file %s: %w", path, err)
	}
	return env, nil
}
