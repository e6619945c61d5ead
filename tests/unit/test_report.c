#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "output/report.h"

/* The stream sink gathers a report's lines and writes them in one write(2),
 * so a reader of a pipe gets the whole report in its first read. */
Test(report, stream_sink_writes_a_report_at_once)
{
	static const struct out_row rows[] = {
		{ .lineno = 7, .text = "def work():", .text_len = 11, .ran = true, .occ = 1 },
		{ .lineno = 8, .text = "    a = bytearray(1048576)", .text_len = 26, .ran = true,
		  .inc = 1048576, .mem = 1048576, .occ = 1 },
	};
	const struct out_report r = { "/app/x.py", rows, 2, false, false };
	const struct out_style style = { "%(name)s: %(message)s", "L", 1, false };
	int p[2];
	char got[4096];
	ssize_t n;

	cr_assert_eq(pipe(p), 0);
	struct out_fd_text text = { p[1], NULL, 0, 0 };
	struct out_sink sink = { out_fd_line, &text };

	out_report(&r, &style, &sink);
	cr_assert_eq(text.len > 0, true, "nothing is written before the flush");
	out_fd_flush(&text);
	cr_assert_null(text.buf);
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	cr_assert_gt(n, 0);
	got[n] = '\0';
	cr_assert_str_eq(got,
		"L: Filename: /app/x.py\n"
		"\n"
		"L: Line #    Mem usage    Increment  Occurrences   Line Contents\n"
		"L: =============================================================\n"
		"L:      7      0.0 MiB      0.0 MiB           1   def work():\n"
		"L:      8      1.0 MiB      1.0 MiB           1       a = bytearray(1048576)\n"
		"\n"
		"\n");
	close(p[0]);
}

/* A sink that gathers the lines in a string, one per line. */
struct gathered {
	char text[4096];
	size_t len;
};

static void gather(void *ctx, const char *text, size_t len)
{
	struct gathered *g = ctx;

	cr_assert_lt(g->len + len + 1, sizeof(g->text));
	memcpy(g->text + g->len, text, len);
	g->len += len;
	g->text[g->len++] = '\n';
	g->text[g->len] = '\0';
}

/* Another tracer had the line events after line 8: the rows from then on
 * show their Increment only (counted by where the frame was), the
 * Filename line says why; Occurrences and Mem usage stay empty there. */
static const struct out_row tracer_rows[] = {
	{ .lineno = 7, .text = "def work():", .text_len = 11, .ran = true, .occ = 1,
	  .mem = 3145728 },
	{ .lineno = 8, .text = "    a = bytearray(1048576)", .text_len = 26, .ran = true,
	  .inc = 1048576, .mem = 4194304, .occ = 1 },
	{ .lineno = 9, .text = "    sys.settrace(t)", .text_len = 19, .ran = true,
	  .mem = 4194304, .occ = 1 },
	{ .lineno = 10, .text = "    b = bytearray(2097152)", .text_len = 26,
	  .inc_known = true, .inc = 2097152 },
	{ .lineno = 11, .text = "    del a", .text_len = 9, .inc_known = true, .inc = -1048576 },
	{ .lineno = 12, .text = "    return b", .text_len = 12 },
};

/* The tracer_rows report, as text. */
static const char *render_tracer_rows(bool unfinished, bool increments_only)
{
	static struct gathered g;
	const struct out_report r = { "/app/x.py", tracer_rows, 6, unfinished, true };
	const struct out_style style = { "%(message)s", "L", 1, increments_only };
	const struct out_sink sink = { gather, &g };

	g.len = 0;
	g.text[0] = '\0';
	out_report(&r, &style, &sink);
	return g.text;
}

Test(report, rows_after_another_tracer_took_the_line_events)
{
	cr_assert_str_eq(render_tracer_rows(false, false),
		"Filename: /app/x.py (no line events while another tracer was on: "
		"Increment only there)\n"
		"\n"
		"Line #    Mem usage    Increment  Occurrences   Line Contents\n"
		"=============================================================\n"
		"     7      3.0 MiB      0.0 MiB           1   def work():\n"
		"     8      4.0 MiB      1.0 MiB           1       a = bytearray(1048576)\n"
		"     9      4.0 MiB      0.0 MiB           1       sys.settrace(t)\n"
		"    10                   2.0 MiB                   b = bytearray(2097152)\n"
		"    11                  -1.0 MiB                   del a\n"
		"    12                                             return b\n"
		"\n"
		"\n");
}

Test(report, increments_only_after_another_tracer_took_the_line_events)
{
	cr_assert_str_eq(render_tracer_rows(true, true),
		"Filename: /app/x.py (unfinished: still running at exit) (no line events "
		"while another tracer was on: Increment only there)\n"
		"Line #    Mem usage    Increment  Occurrences   Line Contents\n"
		"     8      4.0 MiB      1.0 MiB           1       a = bytearray(1048576)\n"
		"    10                   2.0 MiB                   b = bytearray(2097152)\n");
}
