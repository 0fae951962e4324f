// Package integration drives the real berth binary against real containers:
// each test runs `berth` as a user would, in a store of its own under a
// temporary directory, and checks what it prints, its exit status and the
// store it leaves. It needs root; under BERTH_REQUIRE_ROOT=1 it fails
// rather than skips without it.
package integration
