#include "output/report.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "output/format.h"

/* Text written into a caller's buffer as far as it fits; need counts it all. */
struct line {
	char *buf;
	size_t cap, len, need;
};

static void append(struct line *l, const char *s, size_t n)
{
	size_t room = l->cap ? l->cap - 1 - l->len : 0;

	l->need += n;
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	if (l->cap)
		l->buf[l->len] = '\0';
}

size_t out_shape(char *buf, size_t cap, const struct out_style *style, const char *msg,
		 size_t len)
{
	struct line l = { buf, cap, 0, 0 };
	char tmp[64];

	if (cap)
		buf[0] = '\0';
	for (const char *p = style->format; *p; p++) {
		if (*p != '%') {
			append(&l, p, 1);
		} else if (p[1] == '%') {
			append(&l, "%", 1);
			p++;
		} else if (!strncmp(p, "%(message)s", 11)) {
			append(&l, msg, len);
			p += 10;
		} else if (!strncmp(p, "%(name)s", 8)) {
			append(&l, style->logger, strlen(style->logger));
			p += 7;
		} else if (!strncmp(p, "%(levelname)s", 13)) {
			append(&l, "INFO", 4);
			p += 12;
		} else if (!strncmp(p, "%(process)d", 11)) {
			append(&l, tmp, out_format(tmp, sizeof(tmp), "%ld", (long)getpid()));
			p += 10;
		} else if (!strncmp(p, "%(asctime)s", 11)) {
			/* logging's default: 2026-11-24 16:12:00,123 */
			struct timespec ts;
			struct tm tm;
			size_t n;

			clock_gettime(CLOCK_REALTIME, &ts);
			localtime_r(&ts.tv_sec, &tm);
			n = strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
			n += out_format(tmp + n, sizeof(tmp) - n, ",%03ld", ts.tv_nsec / 1000000);
			append(&l, tmp, n);
			p += 10;
		} else {
			append(&l, p, 1);
		}
	}
	return l.need;
}

/*
 * Lines are built in two buffers of OUT_LINE_MAX from the heap, not on
 * the stack: a report can be made near the end of a thread's small stack.
 */
struct scratch {
	char line[OUT_LINE_MAX];
	char shaped[OUT_LINE_MAX];
};

/* A line longer than the buffer (a long source line) is shaped in memory
 * of its size; only if that cannot be had is it cut. */
static void emit(const struct out_style *style, const struct out_sink *sink,
		 struct scratch *s, const char *msg, size_t len)
{
	char *big;
	size_t n;

	if (len == 0) {
		sink->write(sink->ctx, "", 0);
		return;
	}
	n = out_shape(s->shaped, sizeof(s->shaped), style, msg, len);
	if (n < sizeof(s->shaped) || !(big = malloc(n + 1))) {
		sink->write(sink->ctx, s->shaped, n < sizeof(s->shaped) ? n : sizeof(s->shaped) - 1);
		return;
	}
	n = out_shape(big, n + 1, style, msg, len);
	sink->write(sink->ctx, big, n);
	free(big);
}

/* "   45.1 MiB": the value right-aligned in precision + 4, as memory_profiler. */
static const char *mib_cell(char *buf, size_t cap, int64_t bytes, int precision)
{
	char num[48];

	out_mib(num, sizeof(num), bytes, precision);
	out_format(buf, cap, "%*s MiB", precision + 4, num);
	return buf;
}

static bool shows_increase(int64_t bytes, int precision)
{
	char num[48];

	if (bytes <= 0)
		return false;
	out_mib(num, sizeof(num), bytes, precision);
	return strspn(num, "0.") != strlen(num);
}

/* One row; its text may be longer than the line buffer. */
static void emit_row(const struct out_style *style, const struct out_sink *sink,
		     struct scratch *s, const struct out_row *row, const char *mem,
		     const char *inc, const char *occ)
{
	char *line = s->line;
	size_t cap = sizeof(s->line), need = row->text_len + 128, n, text_len = row->text_len;
	char *big = need > cap && row->text_len < INT32_MAX ? malloc(need) : NULL;

	if (big) {
		line = big;
		cap = need;
	}
	/* the text copied whole: a NUL in a source line does not end it */
	n = out_format(line, cap, "%6d %12s %12s  %10s   ", row->lineno, mem, inc, occ);
	if (text_len > cap - 1 - n)
		text_len = cap - 1 - n;
	memcpy(line + n, row->text, text_len);
	n += text_len;
	line[n] = '\0';
	emit(style, sink, s, line, n);
	free(big);
}

bool out_report(const struct out_report *r, const struct out_style *style,
		const struct out_sink *sink)
{
	static const char header[] =
		"Line #    Mem usage    Increment  Occurrences   Line Contents";
	struct scratch *s = malloc(sizeof(*s));
	char rule[sizeof(header)];
	size_t n;

	if (!s)
		return false;	/* out of memory: no report (as when its rows cannot be had) */
	n = out_format(s->line, sizeof(s->line), "Filename: %s%s%s", r->filename,
		       r->unfinished ? " (unfinished: still running at exit)" : "",
		       r->line_events_lost ? " (no line events while another tracer was on: "
					     "Increment only there)" : "");
	emit(style, sink, s, s->line, n);
	if (!style->increments_only)
		emit(style, sink, s, "", 0);
	emit(style, sink, s, header, sizeof(header) - 1);
	memset(rule, '=', sizeof(header) - 1);
	rule[sizeof(header) - 1] = '\0';
	if (!style->increments_only)
		emit(style, sink, s, rule, sizeof(header) - 1);
	for (int i = 0; i < r->nrows; i++) {
		const struct out_row *row = &r->rows[i];
		char mem[64] = "", inc[64] = "", occ[32] = "";

		if (row->ran) {
			mib_cell(mem, sizeof(mem), row->mem, style->precision);
			mib_cell(inc, sizeof(inc), row->inc, style->precision);
			out_format(occ, sizeof(occ), "%llu", (unsigned long long)row->occ);
		} else if (row->inc_known) {
			mib_cell(inc, sizeof(inc), row->inc, style->precision);
		} else if (style->increments_only) {
			continue;
		}
		if (style->increments_only && !shows_increase(row->inc, style->precision))
			continue;
		emit_row(style, sink, s, row, mem, inc, occ);
	}
	if (!style->increments_only) {
		emit(style, sink, s, "", 0);
		emit(style, sink, s, "", 0);
	}
	free(s);
	return true;
}

void out_fd_line(void *ctx, const char *text, size_t len)
{
	struct out_fd_text *t = ctx;

	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 8192;
		char *grown;

		while (cap < t->len + len + 1)
			cap *= 2;
		grown = realloc(t->buf, cap);
		if (!grown) {
			out_fd_flush(t);
			out_write_fd(t->fd, text, len);
			out_write_fd(t->fd, "\n", 1);
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, text, len);
	t->buf[t->len + len] = '\n';
	t->len += len + 1;
}

static pthread_mutex_t *shared_lock;	/* in a MAP_SHARED page */

void out_fd_share(void)
{
	pthread_mutexattr_t a;
	void *page;

	if (shared_lock)
		return;
	page = mmap(NULL, sizeof(pthread_mutex_t), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return;
	if (pthread_mutexattr_init(&a) != 0) {
		munmap(page, sizeof(pthread_mutex_t));
		return;
	}
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(page, &a) == 0)
		shared_lock = page;
	else
		munmap(page, sizeof(pthread_mutex_t));
	pthread_mutexattr_destroy(&a);
}

/* At most two seconds: a writer stuck on a full pipe delays, never blocks. */
static bool lock_shared(void)
{
	struct timespec until;
	int r;

	if (!shared_lock)
		return false;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	r = pthread_mutex_timedlock(shared_lock, &until);
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(shared_lock);
	return r == 0;
}

/*
 * A report longer than PIPE_BUF reaches a pipe in pieces, and another
 * process's write, however short (atomic itself), can land between two of
 * them: every report takes the lock, not only the long ones.
 */
void out_fd_flush(struct out_fd_text *t)
{
	if (t->len) {
		bool locked = lock_shared();

		out_write_fd(t->fd, t->buf, t->len);
		if (locked)
			pthread_mutex_unlock(shared_lock);
	}
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}
