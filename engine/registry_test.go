package engine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestConfiguredInsecureRegistries: <root>/config.json's
// "insecure-registries" (docker's daemon.json key) joins --insecure-registry.
func TestConfiguredInsecureRegistries(t *testing.T) {
	root := t.TempDir()
	e := &Engine{root: root}
	if got := e.remoteOptions(RegistryOptions{Insecure: []string{"a:1"}}).Insecure; !slices.Equal(got, []string{"a:1"}) {
		t.Errorf("without config.json: %q", got)
	}
	if err := os.WriteFile(filepath.Join(root, "config.json"), []byte(`{"insecure-registries": ["class.example:5000", "a:1"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := e.remoteOptions(RegistryOptions{Insecure: []string{"a:1"}}).Insecure; !slices.Equal(got, []string{"a:1", "class.example:5000"}) {
		t.Errorf("with config.json: %q", got)
	}
}
