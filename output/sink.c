#include "output/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/format.h"

void out_write_fd(int fd, const char *text, size_t len)
{
	int saved = errno;

	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		text += n;
		len -= (size_t)n;
	}
	errno = saved;
}

static int stderr_fd = 2;

void out_keep_stderr(void)
{
	int fd = fcntl(2, F_DUPFD_CLOEXEC, 100);

	if (fd >= 0)
		stderr_fd = fd;
}

static void stderr_write(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	out_write_fd(stderr_fd, text, len);
}

const struct out_sink out_stderr = { stderr_write, NULL };

void out_notice(const char *fmt, ...)
{
	char raw[OUT_LINE_MAX], line[OUT_LINE_MAX];
	size_t n = out_format(line, sizeof(line), "memline: ");
	va_list ap;

	va_start(ap, fmt);
	out_vformat(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	n += out_escape(line + n, sizeof(line) - n - 1, raw, strlen(raw));
	line[n++] = '\n';
	out_stderr.write(out_stderr.ctx, line, n);
}

/* ---- file: ---- */

/* A path for a notice: whole if short, else its start and end. */
static const char *shown(char *buf, size_t cap, const char *path)
{
	size_t n = strlen(path);

	if (n <= 160)
		return path;
	out_format(buf, cap, "%.80s...%s (%zu bytes)", path, path + n - 60, n);
	return buf;
}

/* tmpl with %p as the pid and %% as %, in memory of its size (or NULL). */
static char *expand(const char *tmpl)
{
	char pid[24];
	size_t plen = out_format(pid, sizeof(pid), "%ld", (long)getpid()), n = 0;
	char *path;

	for (const char *p = tmpl; *p; p++, n++) {
		if (p[0] == '%' && (p[1] == 'p' || p[1] == '%')) {
			n += p[1] == 'p' ? plen - 1 : 0;
			p++;
		}
	}
	path = malloc(n + 1);
	if (!path)
		return NULL;
	n = 0;
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			memcpy(path + n, pid, plen);
			n += plen;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			path[n++] = '%';
			p++;
		} else {
			path[n++] = *p;
		}
	}
	path[n] = '\0';
	return path;
}

/* A FIFO with a reader, kept open: closing it would end the reader. */
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
	char *path;
} held = { -1, 0, 0, NULL };

/* Is held.fd still ours (the program may have closed and reused it)? */
static bool held_ok(const char *path)
{
	struct stat st;

	if (held.fd < 0)
		return false;
	if (fstat(held.fd, &st) == 0 && st.st_dev == held.dev && st.st_ino == held.ino) {
		if (!strcmp(path, held.path))
			return true;
		/* a forked child's %p names another file: leave the copy be */
	}
	held.fd = -1;
	free(held.path);
	held.path = NULL;
	return false;
}

static void open_failed(const char *given, const char *path, int err)
{
	char a[256], b[256];
	const char *g = shown(a, sizeof(a), given), *p = shown(b, sizeof(b), path);
	struct stat st;

	if (err == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		const char *use = !strcmp(path, "/dev/stdout") ? " (use MEMLINE_OUTPUT=stdout)" :
				  !strcmp(path, "/dev/stderr") ? " (use MEMLINE_OUTPUT=stderr)" : "";

		out_notice("MEMLINE_OUTPUT=file:%s: %s is a symbolic link, which memline does "
			   "not follow%s; reports go to stderr", g, p, use);
	} else if (err == ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		out_notice("MEMLINE_OUTPUT=file:%s: %s is a FIFO with no reader; "
			   "reports go to stderr", g, p);
	} else {
		out_notice("MEMLINE_OUTPUT=file:%s: cannot open %s (%s); reports go to stderr",
			   g, p, strerror(err));
	}
}

int out_file_open(const char *given, const char *tmpl)
{
	char *path = expand(tmpl);
	struct stat st;
	int fd, high;

	if (!path) {
		out_notice("MEMLINE_OUTPUT=file:%s: out of memory; reports go to stderr", given);
		return -1;
	}
	if (held_ok(path)) {
		fd = fcntl(held.fd, F_DUPFD_CLOEXEC, 3);
		goto out_free_path;
	}
	/* O_NONBLOCK: a FIFO without a reader must not hang the program */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
		  O_NOCTTY, 0600);
	if (fd < 0) {
		open_failed(given, path, errno);
		goto out_free_path;
	}
	if (fd <= 2) {	/* never on a number that stands for stdout or stderr */
		high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = high;
		if (fd < 0) {
			open_failed(given, path, errno);
			goto out_free_path;
		}
	}
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		held.fd = fd;
		held.dev = st.st_dev;
		held.ino = st.st_ino;
		held.path = path;
		path = NULL;
		fd = fcntl(held.fd, F_DUPFD_CLOEXEC, 3);
	}
out_free_path:
	free(path);
	return fd;
}
