/*
 * One finished invocation rendered in memory_profiler 0.61's layout
 * (show_results), line by line, into a sink.
 */
#ifndef OUT_REPORT_H
#define OUT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/sink.h"

struct out_row {
	int lineno;
	bool ran;		/* false: the cells stay empty */
	bool inc_known;		/* not ran: Increment shown all the same */
	int64_t mem;		/* live bytes after the line ran (max) */
	int64_t inc;		/* net bytes while it ran */
	uint64_t occ;		/* times it ran */
	const char *text;	/* source line, without its newline */
	size_t text_len;
};

struct out_report {
	const char *filename;
	const struct out_row *rows;
	int nrows;
	bool unfinished;	/* still running when the process exited */
	bool line_events_lost;	/* another tracer had them: Occurrences and
				   Mem usage are missing where it did */
};

struct out_style {
	const char *format;	/* MEMLINE_FORMAT */
	const char *logger;	/* %(name)s */
	int precision;
	bool increments_only;
};

/*
 * Writes the report: each line, shaped by style->format, goes to the sink
 * as one call without its newline; the layout's blank lines are calls of
 * length 0.  False, with nothing written, if memory ran out.
 */
bool out_report(const struct out_report *r, const struct out_style *style,
		const struct out_sink *sink);

/* Applies style->format to one message, as far as it fits in cap; returns
 * the length of all of it (cap 0 only measures). */
size_t out_shape(char *buf, size_t cap, const struct out_style *style, const char *msg,
		 size_t len);

/*
 * Stream sinks: ctx is a struct out_fd_text.  A report's lines gather in
 * memory and go out in one write when flushed, so that reports that two
 * processes (a parent and its forked child) write to one stream at once do
 * not interleave; if memory runs short, lines are written as they come.
 * A pipe keeps only writes of up to PIPE_BUF whole, and another process's
 * write can land between the pieces of a longer one: every report is
 * written holding a lock shared with every process forked after
 * out_fd_share() (bounded wait; a holder that died frees it).
 */
void out_fd_share(void);

struct out_fd_text {
	int fd;
	char *buf;
	size_t len, cap;
};

void out_fd_line(void *ctx, const char *text, size_t len);

/* Writes what out_fd_line gathered, and frees it. */
void out_fd_flush(struct out_fd_text *t);

#endif
