package debug

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// ExitMeaning says in words what a container's exit code means, as a
// person debugging it needs to hear it. oom is the OOM-kill record of the
// container's memory cgroup; stopped says `berth stop` asked it to end.
func ExitMeaning(code int, oom, stopped bool) string {
	switch {
	case code == 0:
		return "exited normally"
	case code == 137 && oom:
		return "killed by SIGKILL: the kernel's OOM killer, the container went over its memory limit"
	case code == 137 && stopped:
		return "killed by SIGKILL: berth stop's timeout ran out before it exited on SIGTERM"
	case code == 137:
		return "killed by SIGKILL (berth kill, or a process outside the container)"
	case code == 139:
		return "killed by SIGSEGV: a segmentation fault, the program accessed memory it must not"
	case code == 134:
		return "killed by SIGABRT: the program aborted itself (a failed assertion, abort(), a runtime panic in C code)"
	case code == 143 && stopped:
		return "ended by SIGTERM from berth stop"
	case code == 143:
		return "ended by SIGTERM"
	case code == 130:
		return "ended by SIGINT (ctrl-c)"
	case code == 125:
		return "berth could not run the container"
	case code == 126:
		return "the command could not be executed (not executable, or a directory)"
	case code == 127:
		return "the command was not found in the container"
	case code > 128 && code < 128+65:
		sig := unix.Signal(code - 128)
		return fmt.Sprintf("killed by signal %d (%s)", code-128, unix.SignalName(sig))
	case code == 1:
		return "the program reported a general error (exit 1); its last log lines usually say why"
	case code == 2:
		return "the program reported a usage error (exit 2): wrong arguments, or a shell syntax error"
	case code == 255:
		return "exited with status 255 (exit(-1), or an error the program did not classify)"
	}
	return fmt.Sprintf("the program exited with status %d", code)
}

// Signal is the name of the signal an exit code stands for (128 + n), or
// "" when the code is a plain exit status.
func Signal(code int) string {
	if code > 128 && code < 128+65 {
		return unix.SignalName(unix.Signal(code - 128))
	}
	return ""
}
