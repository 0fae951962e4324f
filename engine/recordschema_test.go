package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

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

// TestSchemaConversionsComplete fills every field of the engine's record
// and state and takes them to the schema types and back, and compares
// their JSON with the schema's: a field added to an API type (HostConfig
// above all) and not to the schema, or not converted, fails here instead
// of being dropped from the disk.
func TestSchemaConversionsComplete(t *testing.T) {
	r := &record{}
	fillAll(reflect.ValueOf(r).Elem(), new(int))
	if back := recordFromSchema(recordToSchema(r)); !reflect.DeepEqual(back, r) {
		t.Errorf("record lost fields on the way to the disk and back:\n%+v\n%+v", r, back)
	}
	if a, b := marshal(t, r), marshal(t, recordToSchema(r)); !bytes.Equal(a, b) {
		t.Errorf("record and container.Record encode differently:\n%s\n%s", a, b)
	}
	s := &state{}
	fillAll(reflect.ValueOf(s).Elem(), new(int))
	s.Status = container.Running // a valid one
	if back := stateFromSchema(stateToSchema(s)); !reflect.DeepEqual(back, s) {
		t.Errorf("state lost fields on the way to the disk and back:\n%+v\n%+v", s, back)
	}
	if a, b := marshal(t, s), marshal(t, stateToSchema(s)); !bytes.Equal(a, b) {
		t.Errorf("state and container.State encode differently:\n%s\n%s", a, b)
	}
}

// fillAll gives every settable field under v a distinct non-zero value.
func fillAll(v reflect.Value, n *int) {
	*n++
	if v.Type() == reflect.TypeOf(time.Time{}) {
		v.Set(reflect.ValueOf(time.Unix(int64(*n), 0).UTC()))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprint("s", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0), n)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillAll(k, n)
		fillAll(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillAll(v.Field(i), n)
			}
		}
	}
}
