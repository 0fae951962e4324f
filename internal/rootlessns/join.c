#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* See doc.go. Runs before the Go runtime: no threads yet. */
void berth_rootless_join(void)
{
	const char *v = getenv("_BERTH_ROOTLESS_JOIN");
	if (v == NULL)
		return;
	char *end;
	long userfd = strtol(v, &end, 10);
	if (end == v || *end != ',') {
		fprintf(stderr, "berth: rootless: malformed _BERTH_ROOTLESS_JOIN\n");
		_exit(125);
	}
	const char *m = end + 1;
	long mntfd = strtol(m, &end, 10);
	if (end == m || *end != '\0' || userfd < 3 || mntfd < 3) {
		fprintf(stderr, "berth: rootless: malformed _BERTH_ROOTLESS_JOIN\n");
		_exit(125);
	}
	/* setns(CLONE_NEWNS) moves the working directory to the namespace's
	   root: come back to the same path (the namespace sees the host's
	   mounts), so relative paths (build ., cp ./f) mean what they did. */
	char *cwd = getcwd(NULL, 0);
	if (setns((int)userfd, CLONE_NEWUSER) < 0) {
		fprintf(stderr, "berth: rootless: joining the user namespace: %s\n", strerror(errno));
		_exit(125);
	}
	if (setns((int)mntfd, CLONE_NEWNS) < 0) {
		fprintf(stderr, "berth: rootless: joining the mount namespace: %s\n", strerror(errno));
		_exit(125);
	}
	if (cwd != NULL) {
		if (chdir(cwd) < 0)
			chdir("/");
		free(cwd);
	}
	close((int)userfd);
	close((int)mntfd);
	/* The caller's uid and gid are 0 in the namespace (the maps say so);
	   make the saved and filesystem ids agree. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		fprintf(stderr, "berth: rootless: becoming root in the user namespace: %s\n", strerror(errno));
		_exit(125);
	}
}
