package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"text/template"

	"github.com/docker/cli/templates"
	units "github.com/docker/go-units"
	"github.com/spf13/cobra"
)

// version and commit are set by the Makefile (-ldflags -X); a plain `go
// build` reports "dev" and the commit Go stamped, if any.
var (
	version = "dev"
	commit  = ""
)

func init() { commands = append(commands, newVersionCmd, newInfoCmd) }

// VersionInfo is `berth version`: one binary is both docker's client and
// its engine, so Client and Engine carry the same build.
type VersionInfo struct {
	Client ComponentVersion
	Engine ComponentVersion
}

// ComponentVersion has the fields docker's version template reads.
type ComponentVersion struct {
	Version, GitCommit, GoVersion, Os, Arch, BuildTime string
	// Components are the libraries that do the engine's work, with their
	// module versions (libcontainer is runc's).
	Components map[string]string `json:",omitempty"`
}

func buildVersion() VersionInfo {
	v := ComponentVersion{Version: version, GitCommit: commit, GoVersion: runtime.Version(), Os: runtime.GOOS, Arch: runtime.GOARCH}
	comps := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.GitCommit == "" {
					v.GitCommit = s.Value[:min(7, len(s.Value))]
				}
			case "vcs.time":
				v.BuildTime = s.Value
			}
		}
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/opencontainers/runc":
				comps["runc (libcontainer)"] = d.Version
			case "github.com/google/go-containerregistry":
				comps["go-containerregistry"] = d.Version
			case "github.com/containernetworking/cni":
				comps["cni"] = d.Version
			}
		}
	}
	if v.GitCommit == "" {
		v.GitCommit = "unknown"
	}
	eng := v
	eng.Components = comps
	return VersionInfo{Client: v, Engine: eng}
}

const versionTemplate = `Client:
 Version:           {{.Client.Version}}
 Git commit:        {{.Client.GitCommit}}
 Go version:        {{.Client.GoVersion}}
 OS/Arch:           {{.Client.Os}}/{{.Client.Arch}}{{if .Client.BuildTime}}
 Built:             {{.Client.BuildTime}}{{end}}

Engine (daemonless, in the same binary):
 Version:               {{.Engine.Version}}{{range $k, $v := .Engine.Components}}
 {{printf "%-22s" (printf "%s:" $k)}} {{$v}}{{end}}
`

func newVersionCmd(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "version [OPTIONS]", Short: "Show the berth version information", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tmpl := versionTemplate
			if format != "" {
				tmpl = format + "\n"
			}
			t, err := parseTemplate("version", tmpl)
			if err != nil {
				return fmt.Errorf("template parsing error: %v", err)
			}
			return t.Execute(os.Stdout, buildVersion())
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

// humanBinary is docker info's "Total Memory: 23.47GiB".
func humanBinary(n int64) string { return units.BytesSize(float64(n)) }

// versionLine is `berth --version`, as docker's "Docker version X, build Y".
func versionLine() string {
	v := buildVersion().Client
	return fmt.Sprintf("berth version %s, build %s\n", v.Version, v.GitCommit)
}

func newInfoCmd(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "info [OPTIONS]", Short: "Display system-wide information", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			in, err := e.Info(version)
			if err != nil {
				return err
			}
			tmpl := infoTemplate
			if format != "" {
				tmpl = format + "\n"
			}
			t, err := templates.New("info").Funcs(template.FuncMap{"bytes": humanBinary}).Parse(tmpl)
			if err != nil {
				return fmt.Errorf("template parsing error: %v", err)
			}
			if err := t.Execute(os.Stdout, in); err != nil {
				return err
			}
			if format == "" {
				for _, w := range in.Warnings {
					fmt.Fprintln(os.Stderr, strings.TrimSpace(w))
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

const infoTemplate = `Client:
 Version:    {{.ServerVersion}}

Server:
 Containers: {{.Containers}}
  Running: {{.ContainersRunning}}
  Paused: {{.ContainersPaused}}
  Stopped: {{.ContainersStopped}}
 Images: {{.Images}}
 Server Version: {{.ServerVersion}}
 Storage Driver: {{.Driver}}{{range .DriverStatus}}
  {{index . 0}}: {{index . 1}}{{end}}
 Cgroup Driver: {{.CgroupDriver}}
 Cgroup Version: {{.CgroupVersion}}
 Default Runtime: {{.DefaultRuntime}}
 Security Options:{{range .SecurityOptions}}
  {{.}}{{end}}
 Kernel Version: {{.KernelVersion}}
 Operating System: {{.OperatingSystem}}
 OSType: {{.OSType}}
 Architecture: {{.Architecture}}
 CPUs: {{.NCPU}}
 Total Memory: {{bytes .MemTotal}}
 Name: {{.Name}}
 ID: {{.ID}}
 Berth Root Dir: {{.DockerRootDir}}
 Run Dir: {{.RunRoot}}
`
