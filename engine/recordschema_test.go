package engine

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/berthdev/berth/container"
)

// TestSchemaConversions takes the golden files of schema version 2 through
// the engine's types and back: no field may be lost or changed on the way.
func TestSchemaConversions(t *testing.T) {
	for _, file := range []string{"record-v2.json", "record-zero-v2.json"} {
		want := golden(t, file)
		var c container.Record
		if err := json.Unmarshal(want, &c); err != nil {
			t.Fatal(err)
		}
		if got := marshal(t, recordToSchema(recordFromSchema(&c))); !bytes.Equal(got, want) {
			t.Errorf("%s through record: got\n%s\nwant\n%s", file, got, want)
		}
	}
	for _, file := range []string{"state-v2.json", "state-zero-v2.json"} {
		want := golden(t, file)
		var c container.State
		if err := json.Unmarshal(want, &c); err != nil {
			t.Fatal(err)
		}
		if got := marshal(t, stateToSchema(stateFromSchema(&c))); !bytes.Equal(got, want) {
			t.Errorf("%s through state: got\n%s\nwant\n%s", file, got, want)
		}
	}
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "container", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
