package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/berthdev/berth/layers"
)

// RegistryOptions configure Pull, Push, Login and the registry listing.
type RegistryOptions struct {
	// Insecure lists registries ("host:port") to reach over plain HTTP, as
	// docker's --insecure-registry; loopback and private addresses always
	// may be. Registries listed in <root>/config.json's
	// "insecure-registries" are added by the Engine's methods.
	Insecure []string
	// Platform picks from a multi-platform image, "os/arch[/variant]".
	// The default is the host's.
	Platform string
	// Progress is told about each layer's transfer; calls are serialized.
	Progress func(TransferProgress)
	// TLSCA is PEM of CAs to trust besides the system's (LoadCA reads a
	// file); per-registry CAs are also read from docker's
	// /etc/docker/certs.d/HOST:PORT/*.crt and ~/.config/berth/certs.d.
	TLSCA []byte
}

// LoadCA reads a PEM file of CAs for RegistryOptions.TLSCA.
func LoadCA(path string) ([]byte, error) { return layers.LoadCA(path) }

// TransferProgress is one step of a layer's transfer.
type TransferProgress = layers.Progress

// PullResult is what Pull did.
type PullResult struct {
	Ref      string // familiar name ("localhost:5000/app:v1"); repo@digest for a pull by digest
	Digest   string // manifest digest
	ID       string // image ID
	UpToDate bool   // the name already named this image
}

// Pull fetches an image from its registry and names it as referenced
// (short names as docker's: "busybox" is docker.io/library/busybox:latest).
// Blobs already stored are not fetched again; every blob is verified
// before it is kept; the download holds no lock, only the final commit.
// An interrupted pull leaves the store as it was, and the next pull of
// the same image reuses the blobs it had verified and asks the registry
// only for the rest of the blob it was cut in (HTTP Range). Two pulls of
// one image at once both succeed.
func (e *Engine) Pull(ctx context.Context, ref string, opts RegistryOptions) (*PullResult, error) {
	lo := e.remoteOptions(opts)
	p, err := e.images.Fetch(ctx, ref, lo)
	if err != nil {
		return nil, err
	}
	var img *layers.Image
	var upToDate bool
	err = e.withLock(func() (err error) {
		img, upToDate, err = e.images.CommitPull(p)
		return err
	})
	if err != nil {
		p.Release() // when the lock was not had: the blobs stay for the next pull
		return nil, err
	}
	e.emit(imageEvent("pull", img.ID, p.Ref))
	return &PullResult{Ref: layers.FamiliarName(p.Ref), Digest: p.Digest, ID: img.ID, UpToDate: upToDate}, nil
}

// remoteOptions adds the store's configured insecure registries.
func (e *Engine) remoteOptions(opts RegistryOptions) layers.RemoteOptions {
	insecure := slices.Clone(opts.Insecure)
	for _, r := range ConfiguredInsecureRegistries(e.root) {
		if !slices.Contains(insecure, r) {
			insecure = append(insecure, r)
		}
	}
	return layers.RemoteOptions{Insecure: insecure, Platform: opts.Platform, Progress: opts.Progress, TLSCA: opts.TLSCA}
}

// ConfiguredInsecureRegistries reads "insecure-registries" from
// <root>/config.json (docker's daemon.json key); none when absent.
func ConfiguredInsecureRegistries(root string) []string {
	var cfg struct {
		Insecure []string `json:"insecure-registries"`
	}
	data, err := os.ReadFile(filepath.Join(root, "config.json"))
	if err != nil || json.Unmarshal(data, &cfg) != nil {
		return nil
	}
	return cfg.Insecure
}
