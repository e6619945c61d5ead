/*
 * statx refused, as an older container runtime's seccomp filter refuses
 * it (EPERM): preloaded before libmemline.so, whose stream sinks tell the
 * program's standard streams by the file they hold.  Refused from the
 * start, or from when the program calls statx_refuse(1) (a program that
 * sandboxes itself); NO_STATX_AT_START=0 lets it through until then.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int refuse = -1;	/* -1: not read from the environment yet */

__attribute__((visibility("default"))) void statx_refuse(int on)
{
	atomic_store(&refuse, on);
}

__attribute__((visibility("default"))) int statx(int dirfd, const char *path, int flags,
						  unsigned int mask, struct statx *buf)
{
	if (atomic_load(&refuse) < 0) {
		const char *v = getenv("NO_STATX_AT_START");

		atomic_store(&refuse, !(v && strcmp(v, "0") == 0));
	}
	if (atomic_load(&refuse)) {
		errno = EPERM;
		return -1;
	}
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
}
