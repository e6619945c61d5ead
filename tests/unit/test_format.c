#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "output/format.h"

static char buf[256];

Test(format, integers_and_strings)
{
	out_format(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%u|%x|%s|%-4s|%.3s|%c|%%",
		   -42, 7, 7, -7, 4000000000u, 255, "abc", "ab", "abcdef", 'z');
	cr_assert_str_eq(buf, "-42|    7|7    |-0007|4000000000|ff|abc|ab  |abc|z|%");
}

Test(format, long_sizes_and_star)
{
	out_format(buf, sizeof(buf), "%ld %lu %lld %llu %zu %zd %*d %.*s", -1L, 2UL,
		   (long long)INT64_MIN, (unsigned long long)UINT64_MAX, (size_t)5,
		   (ptrdiff_t)-5, 4, 9, 2, "xyz");
	cr_assert_str_eq(buf, "-1 2 -9223372036854775808 18446744073709551615 5 -5    9 xy");
}

Test(format, truncates_and_terminates)
{
	char small[6];
	size_t n = out_format(small, sizeof(small), "%s", "abcdefghij");

	cr_assert_eq(n, 5);
	cr_assert_str_eq(small, "abcde");
}

Test(format, null_string)
{
	const char *volatile none = NULL;

	out_format(buf, sizeof(buf), "%s", none);
	cr_assert_str_eq(buf, "(null)");
}

/* Expected strings are Python's format(bytes / 2**20, '.Nf'). */
Test(format, mib_matches_python)
{
	struct {
		int64_t bytes;
		int decimals;
		const char *want;
	} cases[] = {
		{ 0, 1, "0.0" },
		{ 52428800, 1, "50.0" },
		{ 47815065, 1, "45.6" },
		{ 262144, 1, "0.2" },	/* 0.25: half to even */
		{ 786432, 1, "0.8" },	/* 0.75: half to even */
		{ 52428, 1, "0.0" },
		{ -52428, 1, "-0.0" },	/* Python keeps the sign */
		{ -1048576, 1, "-1.0" },
		{ 1572864, 0, "2" },	/* 1.5 -> 2 */
		{ 2621440, 0, "2" },	/* 2.5 -> 2 */
		{ 123456789, 4, "117.7376" },
		{ 1, 9, "0.000000954" },
		{ INT64_MAX, 1, "8796093022208.0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		out_mib(buf, sizeof(buf), cases[i].bytes, cases[i].decimals);
		cr_expect_str_eq(buf, cases[i].want, "bytes %lld decimals %d",
				 (long long)cases[i].bytes, cases[i].decimals);
	}
}

/* The characters out_escape() shows escaped in valid UTF-8, and only those. */
Test(format, control_characters)
{
	static const char *const with[] = { "\n", "a\rb", "\t", "\x1b[0m", "\x7f", "\x01",
					    "\xc2\x85", "\xc2\x9f", "a\xe2\x80\xa8", "\xe2\x80\xa9" };
	static const char *const without[] = { "", "abc %(message)s", "\xc3\xa9", "\xc2\xa0",
					       "\xe2\x80\xa7", "\xe2\x82\xac" };

	for (size_t i = 0; i < sizeof(with) / sizeof(*with); i++) {
		cr_assert(out_has_control(with[i], strlen(with[i])), "%zu", i);
		out_escape(buf, sizeof(buf), with[i], strlen(with[i]));
		cr_assert(strchr(buf, '\\'), "%zu", i);
	}
	for (size_t i = 0; i < sizeof(without) / sizeof(*without); i++) {
		cr_assert_not(out_has_control(without[i], strlen(without[i])), "%zu", i);
		out_escape(buf, sizeof(buf), without[i], strlen(without[i]));
		cr_assert_str_eq(buf, without[i]);
	}
}

/* C1 controls (NEL) and U+2028/U+2029 split lines for str.splitlines and
 * some log viewers: escaped by their code points. */
Test(format, line_breaking_characters_escaped_by_code_point)
{
	out_escape(buf, sizeof(buf), "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9",
		   strlen("a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9"));
	cr_assert_str_eq(buf, "a\\x85b\\u2028c\\u2029");
}

Test(format, shown_keeps_short_values_whole)
{
	char buf[OUT_SHOWN_CAP];
	const char *v = "mod:func";

	cr_assert_eq(out_shown(buf, sizeof(buf), v), v);
}

Test(format, shown_cuts_long_values_in_the_middle)
{
	char v[1001], buf[OUT_SHOWN_CAP], want[OUT_SHOWN_CAP];

	for (int i = 0; i < 1000; i++)
		v[i] = (char)('a' + i % 26);
	v[1000] = '\0';
	snprintf(want, sizeof(want), "%.80s...%s (1000 bytes)", v, v + 940);
	cr_assert_str_eq(out_shown(buf, sizeof(buf), v), want);
}

Test(format, shown_cuts_between_utf8_characters)
{
	char v[2 * 300 + 1], buf[OUT_SHOWN_CAP];
	const char *s;

	for (int i = 0; i < 300; i++)
		memcpy(v + 2 * i, "\xc3\xa9", 2);	/* é */
	v[600] = '\0';
	s = out_shown(buf, sizeof(buf), v);
	cr_assert(out_utf8_ok(s, strlen(s)), "%s", s);
	cr_assert(strstr(s, " (600 bytes)") != NULL, "%s", s);
}
