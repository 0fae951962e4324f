package main

import (
	"slices"
	"testing"
)

func TestShimArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
		ok   bool
	}{
		{[]string{"shim", "--root", "/r", "--run-root", "/run/x", "id"}, []string{"--root", "/r", "--run-root", "/run/x", "id"}, true},
		{[]string{"--root", "/r", "shim", "--run-root", "/run/x", "id"}, []string{"--root", "/r", "--run-root", "/run/x", "id"}, true},
		{[]string{"--root=/r", "shim", "--prepared"}, []string{"--root=/r", "--prepared"}, true},
		{[]string{"shim"}, []string{}, true},
		{[]string{"run", "shim"}, nil, false},
		{[]string{"--root"}, nil, false},
		{[]string{"--root", "shim"}, nil, false}, // "shim" is the root's value
		{nil, nil, false},
	} {
		got, ok := shimArgs(tc.args)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("shimArgs(%q) = %q, %v; want %q, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}
