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
	const struct out_report r = { "/app/x.py", rows, 2, false };
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
