package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// pullFlags is docker's --pull for run, create (and build): when to fetch
// the image from its registry before using it.
type pullFlags struct {
	policy   string
	platform string
}

func (p *pullFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.policy, "pull", "missing", `Pull image before running ("always", "missing", "never")`)
	fs.StringVar(&p.platform, "platform", "", "Set platform if server is multi-platform capable (os/arch[/variant])")
}

// ensureImage makes ref local as the policy asks, printing docker's lines on
// w (stderr for run and create, so that stdout keeps only the container's ID
// or output): "Unable to find image 'X' locally", the pull's progress,
// Digest and Status. With "never" a missing image is docker's
// "No such image" error.
func (p *pullFlags) ensureImage(e *engine.Engine, ref string, w io.Writer) error {
	switch p.policy {
	case "missing", "always", "never":
	default:
		return fmt.Errorf("invalid pull policy %q: must be one of always, missing, never", p.policy)
	}
	if p.policy != "always" {
		_, err := e.ResolveImage(ref)
		if err == nil && p.platform != "" {
			return p.ensurePlatform(e, ref, w)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		if p.policy == "never" {
			return err // `image "x": not found`
		}
		// An ID or a digest-less short ID cannot be pulled: say it is missing.
		if _, nerr := layers.NormalizeRef(ref); nerr != nil {
			return err
		}
		full, _ := layers.NormalizeRef(ref)
		fmt.Fprintf(w, "Unable to find image '%s' locally\n", layers.FamiliarName(full))
	}
	prog := newTransferProgressTo(w, false)
	opts := engine.RegistryOptions{Platform: p.platform, Progress: prog.update}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return pullTo(ctx, e, ref, opts, w, false)
}

// pullTo pulls ref with docker's lines on w: "Using default tag: latest"
// (for `berth pull` of a name without one), "TAG: Pulling from REPO", the
// layers' progress (opts.Progress), "Digest:" and "Status:".
func pullTo(ctx context.Context, e *engine.Engine, ref string, opts engine.RegistryOptions, w io.Writer, sayDefaultTag bool) error {
	full, err := layers.NormalizeRef(ref)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	repo, tag := layers.SplitRef(full)
	if sayDefaultTag && !strings.ContainsAny(ref[strings.LastIndex(ref, "/")+1:], ":@") {
		fmt.Fprintln(w, "Using default tag: latest")
	}
	// Said once the registry has answered (the first layer's progress), as
	// docker does: an unreachable registry is the error line alone.
	said := false
	say := func() {
		if !said {
			said = true
			fmt.Fprintf(w, "%s: Pulling from %s\n", tag, layers.FamiliarName(repo))
		}
	}
	progress := opts.Progress
	opts.Progress = func(p engine.TransferProgress) {
		say()
		if progress != nil {
			progress(p)
		}
	}
	res, err := e.Pull(ctx, ref, opts)
	if err != nil {
		return err // the engine's error names the reference
	}
	say()
	status := "Downloaded newer image for "
	if res.UpToDate {
		status = "Image is up to date for "
	}
	fmt.Fprintf(w, "Digest: %s\nStatus: %s%s\n", res.Digest, status, res.Ref)
	return nil
}

// ensurePlatform checks a local image against --platform, as docker does:
// one of another platform is pulled for the one asked (not with --pull
// never); when that fails, the error says which platform the local image
// is.
func (p *pullFlags) ensurePlatform(e *engine.Engine, ref string, w io.Writer) error {
	err := e.CheckImagePlatform(ref, p.platform)
	var mismatch *engine.PlatformMismatchError
	if !errors.As(err, &mismatch) || p.policy == "never" {
		return err
	}
	if _, nerr := layers.NormalizeRef(ref); nerr != nil {
		return err // an image ID: nothing to pull
	}
	prog := newTransferProgressTo(w, false)
	opts := engine.RegistryOptions{Platform: p.platform, Progress: prog.update}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if pullTo(ctx, e, ref, opts, io.Discard, false) != nil {
		return err
	}
	return e.CheckImagePlatform(ref, p.platform)
}
