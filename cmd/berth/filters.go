package main

import (
	"fmt"
	"strings"
)

// compileFilters reads docker's --filter KEY=VALUE conditions into one
// test: the same key given twice means either, different keys must all
// hold. check refuses a key or value (nil when both are known); one tests
// a single condition.
func compileFilters[T any](filters []string, check func(k, v string) error, one func(k, v string, x T) bool) (func(T) bool, error) {
	byKey := map[string][]string{}
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("bad format of filter %q (expected name=value)", f)
		}
		if err := check(k, v); err != nil {
			return nil, err
		}
		byKey[k] = append(byKey[k], v)
	}
	return func(x T) bool {
		for k, vs := range byKey {
			any := false
			for _, v := range vs {
				any = any || one(k, v, x)
			}
			if !any {
				return false
			}
		}
		return true
	}, nil
}
