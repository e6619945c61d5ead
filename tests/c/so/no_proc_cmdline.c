/*
 * /proc/self/cmdline unreadable, as in a sandbox without /proc: preloaded
 * before libmemline.so, which tells multiprocessing's helper processes by
 * their command line.  Every other open goes to glibc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/types.h>

static int forward(const char *path, int flags, va_list ap)
{
	int (*real)(const char *, int, ...) =
		(int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;

	if (strcmp(path, "/proc/self/cmdline") == 0) {
		errno = ENOENT;
		return -1;
	}
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(path, flags, mode);
}

__attribute__((visibility("default"))) int open(const char *path, int flags, ...)
{
	va_list ap;
	int r;

	va_start(ap, flags);
	r = forward(path, flags, ap);
	va_end(ap);
	return r;
}

/* the same call on 64-bit glibc */
__attribute__((visibility("default"), alias("open"))) int open64(const char *path, int flags, ...);
