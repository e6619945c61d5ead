#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/config.h"
#include "output/sink.h"

#define DEFAULT_FORMAT "%(name)s: %(message)s"
#define CONTROL "has a control character, which would split or garble every report line"

static const char *const vars[] = {
	"MEMLINE_FUNCTIONS", "MEMLINE_OUTPUT", "MEMLINE_LOGGER", "MEMLINE_FORMAT",
	"MEMLINE_INCREMENTS_ONLY", "MEMLINE_PRECISION", "MEMLINE_ASYNC", "MEMLINE_SUMMARY",
};

/* Criterion's dup2 onto fd 2, told to the sink as the preload's hook would. */
static void redirect_stderr(void)
{
	cr_redirect_stderr();
	out_std_moving(2, 2);
}

static void clear(void)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
}

static void check_defaults(const struct attr_config *c)
{
	cr_assert_null(c->functions);
	cr_assert_eq(c->output, ATTR_OUT_STDERR);
	cr_assert_null(c->path);
	cr_assert_str_eq(c->logger, "memory_profiler_logs");
	cr_assert_str_eq(c->format, DEFAULT_FORMAT);
	cr_assert_eq(c->increments_only, false);
	cr_assert_eq(c->precision, 1);
	cr_assert_eq(c->async, ATTR_ASYNC_OWN);
}

/* MEMLINE_FORMAT= said it was empty; every other empty value was unset. */
Test(config, every_empty_value_is_unset_silently, .init = redirect_stderr)
{
	struct attr_config c;

	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		setenv(vars[i], "", 1);
	attr_config_load(&c);
	check_defaults(&c);
	fflush(stderr);
	cr_assert_stderr_eq_str("");
}

Test(config, nothing_set_is_the_defaults, .init = redirect_stderr)
{
	struct attr_config c;

	clear();
	attr_config_load(&c);
	check_defaults(&c);
	cr_assert_stderr_eq_str("");
}

/* A line break in the format split every report line in two. */
Test(config, format_with_a_control_character_is_refused, .init = redirect_stderr)
{
	struct attr_config c;

	clear();
	setenv("MEMLINE_FORMAT", "x\n%(message)s", 1);
	attr_config_load(&c);
	cr_assert_str_eq(c.format, DEFAULT_FORMAT);
	cr_assert_stderr_eq_str("memline: MEMLINE_FORMAT=x\\n%(message)s " CONTROL
				"; using " DEFAULT_FORMAT "\n");
}

Test(config, logger_with_a_control_character_is_refused, .init = redirect_stderr)
{
	struct attr_config c;

	clear();
	setenv("MEMLINE_LOGGER", "app\r\x1b", 1);
	attr_config_load(&c);
	cr_assert_str_eq(c.logger, "memory_profiler_logs");
	cr_assert_stderr_eq_str("memline: MEMLINE_LOGGER=app\\r\\x1b " CONTROL
				"; using memory_profiler_logs\n");
}

/* A long unknown field is cut at a whole character; the reason stays. */
Test(config, format_problem_long_field)
{
	char buf[256], fmt[1024] = "%(abc ";

	for (int i = 0; i < 300; i++)
		strcat(fmt, "\xc3\xa9");
	strcat(fmt, ")s %(message)s");
	cr_assert_str_eq(attr_config_format_problem(fmt, buf, sizeof(buf)),
			 "has %(abc \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9..., which is not one of %(name)s "
			 "%(message)s %(levelname)s %(process)d %(asctime)s");
}

Test(config, format_problems)
{
	static const char *const controls[] = {
		"a\n%(message)s", "%(message)s\r", "\t%(message)s", "%(message)s\x7f",
		"\x1b[31m%(message)s",
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(controls) / sizeof(*controls); i++)
		cr_assert_str_eq(attr_config_format_problem(controls[i], buf, sizeof(buf)), CONTROL,
				 "%zu", i);
	/* not UTF-8 comes first: the control byte in it is not the point */
	cr_assert_str_eq(attr_config_format_problem("\xff\n%(message)s", buf, sizeof(buf)),
			 "is not valid UTF-8");
	/* characters beyond ASCII are not control characters */
	cr_assert_null(attr_config_format_problem("\xc3\xa9 %(message)s", buf, sizeof(buf)));
	cr_assert_null(attr_config_format_problem(DEFAULT_FORMAT, buf, sizeof(buf)));
	cr_assert_str_eq(attr_config_format_problem("", buf, sizeof(buf)),
			 "has no %(message)s, so its lines would not show the report");
}
