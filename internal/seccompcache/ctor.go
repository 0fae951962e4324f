package seccompcache

/*
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// The largest kept file (maxFileSize in format.go; a test checks they agree).
#define BERTH_SECCOMP_MAX (73 + 8 * 4096)

// berth_seccomp_prog holds the staged program, read before libcontainer's
// nsexec constructor (default priority: after this one) moves `berth init`
// into the container's namespaces. Until then the working directory is the
// container's rootfs on the host, whatever kind of init this is: a new
// container's or an exec's, which joins the container's mount namespace
// and so could not reach the run directory from Go. The file is read
// whole and closed here: init keeps no descriptor that a process of the
// container could reopen through /proc/<pid>/fd.
char *berth_seccomp_prog = NULL;
size_t berth_seccomp_len = 0;

__attribute__((constructor(101))) static void berth_seccomp_read(int argc, char **argv) {
	if (argc < 2 || strcmp(argv[1], "init") != 0)
		return;
	int fd = open("../seccomp.bpf", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > BERTH_SECCOMP_MAX) {
		close(fd);
		return;
	}
	size_t want = (size_t)st.st_size, n = 0;
	char *buf = malloc(want);
	while (buf != NULL && n < want) {
		ssize_t r = read(fd, buf + n, want - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf == NULL || n != want) {
		free(buf);
		return;
	}
	berth_seccomp_prog = buf;
	berth_seccomp_len = n;
}
*/
import "C"

import "unsafe"

// stagedProgram returns what the constructor read (nil: nothing staged, or
// not `berth init`) and frees its copy.
func stagedProgram() []byte {
	if C.berth_seccomp_prog == nil {
		return nil
	}
	b := C.GoBytes(unsafe.Pointer(C.berth_seccomp_prog), C.int(C.berth_seccomp_len))
	C.free(unsafe.Pointer(C.berth_seccomp_prog))
	C.berth_seccomp_prog, C.berth_seccomp_len = nil, 0
	return b
}

// ctorMax is the constructor's bound on a staged file.
const ctorMax = int(C.BERTH_SECCOMP_MAX)
