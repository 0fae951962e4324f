package compose

import (
	"context"
	"fmt"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// LoadOptions are the global options of `berth compose`.
type LoadOptions struct {
	Files      []string // -f; compose.yaml (and its override) in the working directory when empty
	Name       string   // -p; the directory's name when empty
	WorkingDir string   // --project-directory; the first file's directory when empty
	Profiles   []string // --profile
	EnvFiles   []string // --env-file; .env of the project directory when empty
}

// Load reads the project with compose-go's loader: the same merge,
// interpolation, profiles, extends and include as docker compose. An
// invalid file is the loader's one-line error (file and field).
func Load(ctx context.Context, o LoadOptions) (*types.Project, error) {
	fns := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(o.WorkingDir),
		cli.WithOsEnv,
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithProfiles(o.Profiles),
		cli.WithResolvedPaths(true),
		cli.WithName(o.Name),
	}
	po, err := cli.NewProjectOptions(o.Files, fns...)
	if err != nil {
		return nil, err
	}
	p, err := cli.ProjectFromOptions(ctx, po)
	if err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, fmt.Errorf("project name must not be empty (give -p NAME)")
	}
	return p, nil
}
