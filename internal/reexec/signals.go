package reexec

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// A signal ignored (SIG_IGN) stays ignored across execve, and Go leaves a
// signal that was ignored when the program started ignored. So a caller
// that ignores SIGINT (a shell running `berth run … &`, or `trap '' INT`)
// would hand that to the CLI, the shim, `berth init` and the container's
// process, whose handlers for it then never run. A container starts with
// default dispositions, whatever its caller's, as under docker: `berth
// init` resets every ignored signal to SIG_DFL before libcontainer execs
// the container's process. Handlers the Go runtime installed are left
// alone (execve resets those by itself).

// kernelSigaction is the kernel's struct sigaction (amd64 and arm64).
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const sigIgn = 1 // SIG_IGN; SIG_DFL is 0

// resetIgnoredSignals sets every ignored signal back to its default action.
func resetIgnoredSignals() {
	for sig := 1; sig <= 64; sig++ {
		var old kernelSigaction
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), unsafe.Sizeof(old.mask), 0, 0); e != 0 {
			continue // not a signal number here
		}
		if old.handler != sigIgn {
			continue
		}
		dfl := kernelSigaction{}
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, unsafe.Sizeof(dfl.mask), 0, 0)
	}
}
