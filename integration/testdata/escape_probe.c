/* escape_probe: the escape suite's probe (integration/escape_test.go),
 * built with gcc -static so that it runs in any image.
 *
 *   probe calls        tries each call docker's seccomp profile blocks, each
 *                      in a child of its own, and prints "NAME ERRNO" (0: the
 *                      call succeeded). EPERM or ENOSYS is what a blocked call
 *                      returns; arguments are chosen so that an unfiltered
 *                      kernel answers otherwise where it can (a missing mount
 *                      point, a bad pointer, bad flags).
 *   probe attack SECS  for SECS seconds walks /proc/PID/{fd,cwd,root} of every
 *                      other process it can see and tries to overwrite any
 *                      staged seccomp program, memfd or run-directory file it
 *                      reaches; prints "wrote PATH" for each write that took.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int call(const char *name) {
	if (!strcmp(name, "unshare_user")) return unshare(CLONE_NEWUSER);
	if (!strcmp(name, "unshare_mount")) return unshare(CLONE_NEWNS);
	if (!strcmp(name, "unshare_net")) return unshare(CLONE_NEWNET);
	if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -2 /* process */, 0);
	if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "berth-probe", "x", 1, -2);
	if (!strcmp(name, "mount")) return mount("none", "/berth-probe-no-such-dir", "tmpfs", 0, NULL);
	if (!strcmp(name, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
	if (!strcmp(name, "bpf")) return syscall(SYS_bpf, 0, (void *)1, 8);
	if (!strcmp(name, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, ~0UL);
	if (!strcmp(name, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, (void *)1, 0);
	errno = EINVAL;
	return -1;
}

static const char *calls[] = {"unshare_user", "unshare_mount", "unshare_net", "keyctl", "add_key",
	"mount", "init_module", "bpf", "perf_event_open", "open_by_handle_at", NULL};

static int probe_calls(void) {
	for (const char **c = calls; *c; c++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(call(*c) < 0 ? (errno & 0xff) : 0);
		int st = 0;
		waitpid(pid, &st, 0);
		printf("%s %d\n", *c, WIFEXITED(st) ? WEXITSTATUS(st) : 255);
	}
	return 0;
}

static int target(const char *link) {
	return strstr(link, "seccomp") || strstr(link, ".bpf") || strstr(link, "memfd:") || strstr(link, "/run/");
}

static void try_write(const char *path) {
	int fd = open(path, O_WRONLY | O_NONBLOCK);
	if (fd < 0)
		return;
	/* Files only: a fifo (libcontainer's exec.fifo of an init starting
	 * in a shared pid namespace) is a start signal, not a file to damage. */
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	static const char allow[8] = {0x06, 0, 0, 0, 0, 0, (char)0xff, 0x7f}; /* ret ALLOW */
	if (pwrite(fd, allow, sizeof allow, 0) == sizeof allow || ftruncate(fd, 8) == 0)
		printf("wrote %s\n", path), fflush(stdout);
	close(fd);
}

static int probe_attack(int secs) {
	time_t end = time(NULL) + secs;
	char self[32], path[1024], link[512];
	snprintf(self, sizeof self, "%d", getpid());
	while (time(NULL) < end) {
		DIR *proc = opendir("/proc");
		struct dirent *p;
		while (proc && (p = readdir(proc))) {
			if (p->d_name[0] < '1' || p->d_name[0] > '9' || !strcmp(p->d_name, self))
				continue;
			static const char *up[] = {"cwd/../seccomp.bpf", "root/../seccomp.bpf", "cwd/../../seccomp", NULL};
			for (const char **u = up; *u; u++) {
				snprintf(path, sizeof path, "/proc/%s/%s", p->d_name, *u);
				try_write(path);
			}
			snprintf(path, sizeof path, "/proc/%s/fd", p->d_name);
			DIR *fds = opendir(path);
			struct dirent *f;
			while (fds && (f = readdir(fds))) {
				if (f->d_name[0] == '.')
					continue;
				snprintf(path, sizeof path, "/proc/%s/fd/%s", p->d_name, f->d_name);
				ssize_t n = readlink(path, link, sizeof link - 1);
				if (n <= 0)
					continue;
				link[n] = 0;
				if (target(link))
					try_write(path);
			}
			if (fds)
				closedir(fds);
		}
		if (proc)
			closedir(proc);
	}
	printf("attack done\n");
	return 0;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "calls"))
		return probe_calls();
	if (argc >= 3 && !strcmp(argv[1], "attack"))
		return probe_attack(atoi(argv[2]));
	fprintf(stderr, "usage: probe calls | probe attack SECONDS\n");
	return 2;
}
