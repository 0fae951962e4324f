package layers

import "time"

// Image is one image in the store, in berth's own terms.
type Image struct {
	ID           string    // config digest, "sha256:<hex>": docker's image ID
	Digest       string    // manifest digest, "sha256:<hex>"
	Names        []string  // full references, "docker.io/library/busybox:latest"
	Created      time.Time // from the config
	Size         int64     // sum of the uncompressed layer sizes
	Architecture string
	Variant      string // "v8" for some arm images; mostly empty
	OS           string
	Author       string
	Comment      string
	Config       ImageConfig
	Layers       []Layer   // bottom to top
	History      []History // as in the config, empty layers included
}

// ImageConfig is the runtime part of an image config, with docker's JSON names.
type ImageConfig struct {
	User         string              `json:"User"`
	Env          []string            `json:"Env"`
	Entrypoint   []string            `json:"Entrypoint"`
	Cmd          []string            `json:"Cmd"`
	WorkingDir   string              `json:"WorkingDir"`
	Labels       map[string]string   `json:"Labels"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	Volumes      map[string]struct{} `json:"Volumes"`
	StopSignal   string              `json:"StopSignal,omitempty"`
	Shell        []string            `json:"Shell,omitempty"`
	OnBuild      []string            `json:"OnBuild"`
}

// Layer is one filesystem layer of an image.
type Layer struct {
	Digest    string // compressed blob digest, as in the manifest
	DiffID    string // uncompressed digest, as in the config's rootfs
	ChainID   string // OCI chain ID: names the snapshot directory
	Size      int64  // compressed (blob) size
	DiffSize  int64  // uncompressed size
	MediaType string
}

// History is one entry of an image's history, docker's `history` row.
type History struct {
	Created    time.Time
	CreatedBy  string
	Comment    string
	EmptyLayer bool
	Author     string
}

// Removed reports what an image removal did, as docker's rmi prints it.
type Removed struct {
	Untagged []string // references removed
	Deleted  []string // image IDs (and layer digests) deleted
}

// ImportOptions changes how a root filesystem tarball becomes an image.
type ImportOptions struct {
	Message string      // history comment (docker import -m)
	Config  ImageConfig // the new image's config (docker import -c changes applied by the caller)
	Source  string      // names the input in errors ("importing rootfs.tar"); optional
}
