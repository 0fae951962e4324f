package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

const fixtures = "testdata/compose-go"

// TestConfigComposeGoFixtures loads compose-go's own test fixtures the
// way `berth compose config` does (Load, then the project's YAML),
// checks the resolved model against what compose-go's tests expect of
// each (cli/options_test.go, loader/loader_test.go), and that the
// printed model, loaded again, prints the same: nothing is lost or
// changed by the round trip.
func TestConfigComposeGoFixtures(t *testing.T) {
	// The fixtures' variables come from their .env and env files only.
	for _, v := range []string{"PORT", "PUBLIC_PORT", "SOURCE", "DEFAULT_PORT", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "TEST"} {
		unsetenv(t, v)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join(fixtures, p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name  string
		load  LoadOptions
		check func(t *testing.T, p *types.Project)
	}{
		{"a set of files: the last one wins (TestProjectFromSetOfFiles)",
			LoadOptions{Files: []string{abs("cli/simple/compose.yaml"), abs("cli/simple/compose-with-overrides.yaml")}, Name: "my_project"},
			func(t *testing.T, p *types.Project) {
				want(t, "image", service(t, p, "simple").Image, "haproxy")
				want(t, "name", p.Name, "my_project")
			}},
		{"variables from the project's .env (TestProjectWithDotEnv)",
			LoadOptions{Files: []string{abs("cli/simple/compose-with-variables.yaml")}},
			func(t *testing.T, p *types.Project) {
				want(t, "published port", service(t, p, "simple").Ports[0].Published, "8000")
				want(t, "name (the directory's)", p.Name, "simple")
			}},
		{"env_file and a project name from .env (TestProjectWithDiscardEnvFile)",
			LoadOptions{Files: []string{abs("cli/env-file/compose-with-env-file.yaml")}},
			func(t *testing.T, p *types.Project) {
				s := service(t, p, "simple")
				want(t, "DEFAULT_PORT", env(s, "DEFAULT_PORT"), "8080")
				want(t, "published port", s.Ports[0].Published, "8000")
				want(t, "name (COMPOSE_PROJECT_NAME of .env)", p.Name, "my_project_from_dot_env")
			}},
		{"--env-file twice, the later wins; env_files in order (TestProjectWithMultipleEnvFile)",
			LoadOptions{Files: []string{abs("cli/env-file/compose-with-env-files.yaml")}, EnvFiles: []string{abs("cli/env-file/.env"), abs("cli/env-file/override.env")}},
			func(t *testing.T, p *types.Project) {
				s := service(t, p, "simple")
				want(t, "DEFAULT_PORT", env(s, "DEFAULT_PORT"), "9090")
				want(t, "published port", s.Ports[0].Published, "9000")
			}},
		{"extends from another directory (TestLoadWithExtends)",
			LoadOptions{Files: []string{abs("loader/compose-test-extends.yaml")}},
			func(t *testing.T, p *types.Project) {
				s := service(t, p, "importer")
				want(t, "name", p.Name, "compose-test-extends")
				want(t, "image", s.Image, "nginx")
				want(t, "container_name", s.ContainerName, "imported")
				want(t, "SOURCE", env(s, "SOURCE"), "extends")
				if len(s.EnvFiles) != 1 || s.EnvFiles[0].Path != abs("loader/subdir/extra.env") {
					t.Errorf("env_file = %+v, want the extended file's subdir/extra.env", s.EnvFiles)
				}
				if len(s.Volumes) != 1 || s.Volumes[0].Type != "bind" || s.Volumes[0].Source != "/opt/data" || s.Volumes[0].Target != "/var/lib/mysql" {
					t.Errorf("volumes = %+v, want a bind of /opt/data at /var/lib/mysql", s.Volumes)
				}
			}},
		{"include",
			LoadOptions{Files: []string{abs("loader/compose-include.yaml")}, Name: "inc"},
			func(t *testing.T, p *types.Project) {
				want(t, "services", strings.Join(p.ServiceNames(), ","), "bar,imported")
				want(t, "FOO", env(service(t, p, "bar"), "FOO"), "BAR")
				want(t, "included image", service(t, p, "imported").Image, "nginx")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(context.Background(), tt.load)
			if err != nil {
				t.Fatalf("Load(%v) = %v", tt.load.Files, err)
			}
			tt.check(t, p)
			out, err := p.MarshalYAML()
			if err != nil {
				t.Fatal(err)
			}
			// The printed model is a compose file: loaded again, it
			// prints the same.
			again := filepath.Join(t.TempDir(), "compose.yaml")
			if err := os.WriteFile(again, out, 0o644); err != nil {
				t.Fatal(err)
			}
			p2, err := Load(context.Background(), LoadOptions{Files: []string{again}, Name: p.Name, WorkingDir: p.WorkingDir})
			if err != nil {
				t.Fatalf("loading the printed model: %v\n%s", err, out)
			}
			tt.check(t, p2)
			out2, err := p2.MarshalYAML()
			if err != nil {
				t.Fatal(err)
			}
			if string(out2) != string(out) {
				t.Errorf("the printed model changed when loaded again:\n--- first\n%s\n--- again\n%s", out, out2)
			}
		})
	}
}

// TestConfigComposeGoCycle: compose-go's depends_on cycle fixture is one
// error naming the cycle.
func TestConfigComposeGoCycle(t *testing.T) {
	f, _ := filepath.Abs(filepath.Join(fixtures, "loader/compose-depends-on-cycle.yaml"))
	_, err := Load(context.Background(), LoadOptions{Files: []string{f}})
	if err == nil || !strings.Contains(err.Error(), "cycle") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Load of a depends_on cycle = %v, want one line naming the cycle", err)
	}
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

func env(s types.ServiceConfig, k string) string {
	if v := s.Environment[k]; v != nil {
		return *v
	}
	return "<unset>"
}

func want(t *testing.T, what, got, w string) {
	t.Helper()
	if got != w {
		t.Errorf("%s = %q, want %q", what, got, w)
	}
}

// unsetenv unsets k for the test and restores it afterwards.
func unsetenv(t *testing.T, k string) {
	if v, ok := os.LookupEnv(k); ok {
		t.Cleanup(func() { os.Setenv(k, v) })
		os.Unsetenv(k)
	}
}
