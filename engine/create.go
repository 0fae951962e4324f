package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Create makes a container from an image without starting it and returns
// its ID. Nothing is left behind when it fails.
func (e *Engine) Create(opts CreateOptions) (string, error) {
	if opts.Image == "" {
		return "", fmt.Errorf("no image given: %w", errdefs.ErrInvalid)
	}
	if err := validateCreate(&opts); err != nil {
		return "", err
	}
	if err := e.resolveNamespaceModes(&opts); err != nil {
		return "", err
	}
	userns, err := e.checkUserns(&opts)
	if err != nil {
		return "", newContainerErr(opts.Name, err)
	}
	if err := validRestart(&opts.Host); err != nil {
		return "", err
	}
	if err := checkGroupAdd(opts.Host.GroupAdd); err != nil {
		return "", fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
	}
	if _, err := capabilities(opts.Host.CapAdd, opts.Host.CapDrop, false); err != nil {
		return "", err
	}
	if _, err := parseSecurityOpts(opts.Host.SecurityOpt); err != nil {
		return "", err
	}
	img, err := e.images.Resolve(opts.Image)
	if err != nil {
		return "", err
	}
	exposed, err := exposedPorts(img.Config.ExposedPorts, opts.ExposedPorts, opts.Host.PortBindings)
	if err != nil {
		return "", err
	}
	stopSignal, stopTime, err := stopSettings(img.Config.StopSignal, opts.StopSignal, opts.StopTimeout)
	if err != nil {
		return "", err
	}
	nets, err := e.resolveNetworking(&opts, exposed)
	if err != nil {
		return "", err
	}
	if err := validateResources(opts.Host); err != nil {
		return "", err
	}
	if err := validateEtcOptions(opts.Host); err != nil {
		return "", err
	}
	if _, err := parseLogConfig(opts.Host.LogConfig); err != nil {
		return "", err
	}
	imageHealth, err := e.images.ImageHealthcheck(img)
	if err != nil {
		return "", err
	}
	health, err := effectiveHealth(imageHealth, opts.Healthcheck)
	if err != nil {
		return "", err
	}
	argv, entrypoint, cmd := commandLine(img.Config, opts)
	if len(argv) == 0 {
		return "", fmt.Errorf("image %q: no command specified: %w", opts.Image, errdefs.ErrInvalid)
	}
	lower, err := e.images.LowerDirs(img)
	if err != nil {
		return "", err
	}
	id := newID()
	r := &record{
		ID:        id,
		Created:   time.Now().UTC(),
		Image:     opts.Image,
		ImageID:   img.ID,
		LowerDirs: lower,
		Path:      argv[0],
		Args:      argv[1:],
		Host:      opts.Host,
		Config: recordConfig{
			Hostname:     opts.Hostname,
			User:         firstNonEmpty(opts.User, img.Config.User),
			Env:          mergeEnv(img.Config.Env, opts.Env, opts.Tty),
			Cmd:          cmd,
			Entrypoint:   entrypoint,
			WorkingDir:   firstNonEmpty(opts.WorkingDir, img.Config.WorkingDir, "/"),
			Tty:          opts.Tty,
			OpenStdin:    opts.OpenStdin,
			Labels:       mergeLabels(img.Config.Labels, opts.Labels),
			ExposedPorts: exposed,
			Volumes:      img.Config.Volumes,
			Healthcheck:  health,
			Attach:       opts.Attach,
		},
		StopSignal: stopSignal,
		StopTime:   stopTime,
		Networks:   nets,
	}
	if len(img.Names) > 0 {
		r.ImageRef = img.Names[0]
	}
	if r.Config.Hostname == "" {
		r.Config.Hostname = id[:12]
	}
	if !filepath.IsAbs(r.Config.WorkingDir) {
		return "", fmt.Errorf("working directory %q is not an absolute path: %w", r.Config.WorkingDir, errdefs.ErrInvalid)
	}
	err = e.withLock(func() error {
		if opts.Name != "" {
			if err := e.checkName(opts.Name, ""); err != nil {
				return err
			}
			r.Name = opts.Name
		} else {
			r.Name = generateName(func(n string) bool { return e.checkName(n, "") != nil })
		}
		addSubIDs := func() error { return nil }
		if userns != nil {
			maps, add, err := e.allocateUserns(userns, r.ID)
			if err != nil {
				return newContainerErr(r.Name, err)
			}
			r.Host.IDMappings, addSubIDs = maps, add
		}
		mounts, undo, err := e.resolveMounts(opts.Host, img.Config.Volumes)
		if err != nil {
			return err
		}
		if err := addSubIDs(); err != nil {
			undo()
			return err
		}
		r.Mounts = mounts
		if err := e.writeNewContainer(r); err != nil {
			e.unindexName(r.Name, r.ID)
			undo()
			return err
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	e.emit(containerEvent("create", r, nil))
	e.warnLayerCopies(r)
	return id, nil
}

// writeNewContainer lays out containers/<id>/ in a temporary directory,
// indexes its name and renames it into place, so a crash never leaves half
// a container, and a name entry of a container that does not exist only
// beside its .tmp-<id> (reconcile removes both).
func (e *Engine) writeNewContainer(r *record) error {
	tmp := filepath.Join(e.containersDir(), ".tmp-"+r.ID)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	for _, d := range []string{"upper", "work"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	if err := container.WriteNew(tmp, recordToSchema(r)); err != nil {
		return err
	}
	if err := e.indexName(r.Name, r.ID); err != nil {
		return err
	}
	if err := os.Rename(tmp, e.containerDir(r.ID)); err != nil {
		return err
	}
	ok = true
	return atomicfile.SyncDir(e.containersDir())
}

// commandLine applies docker's rules: --entrypoint replaces the image's
// ENTRYPOINT and drops its CMD; arguments replace CMD.
func commandLine(ic layers.ImageConfig, o CreateOptions) (argv, entrypoint, cmd []string) {
	entrypoint, cmd = ic.Entrypoint, ic.Cmd
	if o.Entrypoint != nil {
		entrypoint, cmd = *o.Entrypoint, nil
		if len(entrypoint) == 1 && entrypoint[0] == "" {
			entrypoint = nil
		}
	}
	if len(o.Cmd) > 0 {
		cmd = o.Cmd
	}
	argv = append(append([]string{}, entrypoint...), cmd...)
	return argv, entrypoint, cmd
}

// mergeEnv is the image's environment overridden by the user's, with PATH
// and (for terminals) TERM defaulted as docker does.
func mergeEnv(image, user []string, tty bool) []string {
	var out []string
	idx := map[string]int{}
	set := func(kv string) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := idx[k]; ok {
			out[i] = kv
			return
		}
		idx[k] = len(out)
		out = append(out, kv)
	}
	for _, kv := range image {
		set(kv)
	}
	for _, kv := range user {
		set(kv)
	}
	if _, ok := idx["PATH"]; !ok {
		set(defaultPath)
	}
	if _, ok := idx["TERM"]; !ok && tty {
		set("TERM=xterm")
	}
	return out
}

func mergeLabels(image, user map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range image {
		out[k] = v
	}
	for k, v := range user {
		out[k] = v
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
