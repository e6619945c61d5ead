#include "output/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
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
