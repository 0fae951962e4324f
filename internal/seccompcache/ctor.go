package seccompcache

/*
#include <fcntl.h>
#include <string.h>

// berth_seccomp_fd is the staged program, opened before libcontainer's
// nsexec constructor (default priority: after this one) moves `berth init`
// into the container's namespaces. Until then the working directory is the
// container's rootfs on the host, whatever kind of init this is: a new
// container's or an exec's, which joins the container's mount namespace
// and so could not reach the run directory from Go. Close-on-exec: the
// container's process never has it.
int berth_seccomp_fd = -1;

__attribute__((constructor(101))) static void berth_seccomp_open(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		berth_seccomp_fd = open("../seccomp.bpf", O_RDWR | O_CLOEXEC);
}
*/
import "C"

// stagedFd is the descriptor the constructor opened, or -1.
func stagedFd() int { return int(C.berth_seccomp_fd) }
