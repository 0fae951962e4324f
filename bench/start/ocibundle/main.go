// Command ocibundle edits an OCI runtime config.json in place so that runc can
// run it as a bundle: the root filesystem path, the cgroup path, the process
// arguments and no terminal. Every other field is kept as it is. The start
// benchmark uses it on `berth oci-spec` output (berth's exact spec) or, without
// a working berth, on `runc spec` output.
//
//	ocibundle -config bundle/config.json -rootfs rootfs -cgroups-path bench/runc -args /bin/true
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	config := flag.String("config", "", "config.json to edit (required)")
	rootfs := flag.String("rootfs", "rootfs", "root.path, relative to the bundle")
	cgroups := flag.String("cgroups-path", "", "linux.cgroupsPath (empty: unchanged)")
	args := flag.String("args", "", "process.args, space-separated (empty: unchanged)")
	flag.Parse()
	if *config == "" {
		fmt.Fprintln(os.Stderr, "usage: ocibundle -config FILE [-rootfs DIR] [-cgroups-path P] [-args 'CMD ARG...']")
		os.Exit(2)
	}
	if err := edit(*config, *rootfs, *cgroups, *args); err != nil {
		fmt.Fprintln(os.Stderr, "ocibundle:", err)
		os.Exit(1)
	}
}

func edit(path, rootfs, cgroups, args string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	obj := func(parent map[string]any, key string) map[string]any {
		m, ok := parent[key].(map[string]any)
		if !ok {
			m = map[string]any{}
			parent[key] = m
		}
		return m
	}
	spec["root"] = map[string]any{"path": rootfs, "readonly": false}
	proc := obj(spec, "process")
	proc["terminal"] = false
	if args != "" {
		proc["args"] = strings.Fields(args)
	}
	if cgroups != "" {
		obj(spec, "linux")["cgroupsPath"] = cgroups
	}
	out, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
