package compose

import "github.com/compose-spec/compose-go/v2/types"

// Model is the project as `docker compose config` prints it: the
// services named (all when none; their dependencies with them), each
// env_file read into environment and dropped, and only the networks,
// volumes, secrets and configs those services use.
func Model(p *types.Project, services []string) (*types.Project, error) {
	var err error
	if len(services) > 0 {
		if p, err = p.WithSelectedServices(services); err != nil {
			return nil, err
		}
	}
	if p, err = p.WithServicesEnvironmentResolved(true); err != nil {
		return nil, err
	}
	return p.WithoutUnnecessaryResources(), nil
}
