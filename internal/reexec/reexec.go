package reexec

import (
	"os"
	"runtime"

	"github.com/opencontainers/runc/libcontainer"
	// nsenter's C constructor runs before the Go runtime when the binary is
	// re-executed as "init" by libcontainer. Container start fails without it.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"

	// The collector stays off while the process starts (its package
	// comment has the measurement); imported here so that every berth
	// process has it, the container init included.
	_ "github.com/berthdev/berth/internal/reexec/startgc"
	"github.com/berthdev/berth/internal/seccompcache"
)

func init() {
	// Keep the main goroutine on the main thread: libcontainer's mount-source
	// goroutine setns()es into a container's mount namespace and never unlocks
	// its thread; were that the main thread, /proc/self would describe the
	// container and cgroup lookups would fail. (Init functions all run on
	// the main goroutine, so this holds for main too.)
	runtime.LockOSThread()
	if len(os.Args) < 2 {
		return
	}
	switch os.Args[1] {
	case "init":
		resetIgnoredSignals()      // the container's process starts with default dispositions
		seccompcache.PrepareInit() // registers what the C constructor read, before nsexec
		libcontainer.Init()        // never returns
	case seccompcache.CompileCommand:
		seccompcache.CompileMain() // never returns
	}
}
