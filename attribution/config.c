#include "attribution/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attribution/python.h"
#include "output/format.h"
#include "output/sink.h"

/* A variable's value; an empty one is unset, as for every MEMLINE_*. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

void attr_config_notice(const char *fmt, ...)
{
	va_list ap;

	if (attr_python_mp_helper())
		return;
	va_start(ap, fmt);
	out_vnotice(fmt, ap);
	va_end(ap);
}

/*
 * What is wrong with a value that becomes part of every report line, as
 * the end of a sentence starting with the value; NULL if nothing is.
 */
static const char *text_problem(const char *v)
{
	if (!out_utf8_ok(v, strlen(v)))
		return "is not valid UTF-8";
	if (out_has_control(v, strlen(v)))
		return "has a control character, which would split or garble every report line";
	return NULL;
}

static const char *const fields[] = {
	"%(name)s", "%(message)s", "%(levelname)s", "%(process)d", "%(asctime)s",
};

const char *attr_config_format_problem(const char *fmt, char *buf, size_t cap)
{
	const char *problem = text_problem(fmt);
	bool message = false;

	if (problem)
		return problem;
	for (const char *p = fmt; *p; p++) {
		bool known = false;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if (p[1] != '(')
			return "has a % that starts no field (write %% for a percent sign)";
		for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
			size_t n = strlen(fields[i]);

			if (!strncmp(p, fields[i], n)) {
				message |= i == 1;
				p += n - 1;
				known = true;
				break;
			}
		}
		if (!known) {
			const char *end = strchr(p, ')');
			size_t len, shown;

			if (!end)
				return "has a %( with no )";
			len = shown = (size_t)(end - p) + (end[1] ? 2 : 1);

			/* a long field: its start, cut at a whole character, so that
			 * the reason still fits the notice */
			if (len > 60) {
				shown = 60;
				while (shown > 0 && ((unsigned char)p[shown] & 0xC0) == 0x80)
					shown--;
			}
			out_format(buf, cap, "has %.*s%s, which is not one of %%(name)s %%(message)s "
				   "%%(levelname)s %%(process)d %%(asctime)s",
				   (int)shown, p, shown < len ? "..." : "");
			return buf;
		}
	}
	if (!message)
		return "has no %(message)s, so its lines would not show the report";
	return NULL;
}

/*
 * A relative file: path made absolute against the directory memline
 * started in (a '%' in that directory doubled, so it stays itself), so
 * that the program's chdir() does not move the reports.  NULL after a
 * notice if the directory cannot be had.
 */
static const char *absolute(const char *path)
{
	char *cwd, *abs;
	size_t n = 0;

	if (path[0] == '/')
		return path;
	cwd = getcwd(NULL, 0);
	if (!cwd) {
		attr_config_notice("MEMLINE_OUTPUT=file:%s is relative, and the current "
				   "directory cannot be found (%s); reports go to stderr", path,
				   strerror(errno));
		return NULL;
	}
	abs = malloc(2 * strlen(cwd) + strlen(path) + 2);
	if (abs) {
		for (const char *p = cwd; *p; p++) {
			abs[n++] = *p;
			if (*p == '%')
				abs[n++] = '%';
		}
		abs[n++] = '/';
		strcpy(abs + n, path);
	} else {
		out_notice("MEMLINE_OUTPUT=file:%s: out of memory; reports go to stderr", path);
	}
	free(cwd);
	return abs;
}

static bool flag(const char *name, bool *out)
{
	const char *v = env(name);

	if (!v || !strcmp(v, "0")) {
		*out = false;
		return true;
	}
	if (!strcmp(v, "1")) {
		*out = true;
		return true;
	}
	char shown[OUT_SHOWN_CAP];

	attr_config_notice("%s=%s is not 0 or 1; using 0", name, out_shown(shown, sizeof(shown), v));
	*out = false;
	return false;
}

void attr_config_load(struct attr_config *c)
{
	const char *v, *problem;
	char buf[256], shown[OUT_SHOWN_CAP];

	c->functions = env("MEMLINE_FUNCTIONS");
	if (c->functions && strspn(c->functions, ", \t") == strlen(c->functions)) {
		attr_config_notice("MEMLINE_FUNCTIONS=%s names no function; no line reports",
				   out_shown(shown, sizeof(shown), c->functions));
		c->functions = NULL;
	}

	c->output = ATTR_OUT_STDERR;
	c->path = c->path_given = NULL;
	v = env("MEMLINE_OUTPUT");
	if (!v || !strcmp(v, "stderr")) {
		c->output = ATTR_OUT_STDERR;
	} else if (!strcmp(v, "stdout")) {
		c->output = ATTR_OUT_STDOUT;
		if (!out_std_open(1)) {
			attr_config_notice("MEMLINE_OUTPUT=stdout: standard output was closed "
					   "when the program started; reports go to stderr");
			c->output = ATTR_OUT_STDERR;
		}
	} else if (!strcmp(v, "logging")) {
		c->output = ATTR_OUT_LOGGING;
	} else if (!strncmp(v, "file:", 5) && v[5]) {
		c->path_given = v + 5;
		c->path = absolute(v + 5);
		if (c->path)
			c->output = ATTR_OUT_FILE;
	} else {
		attr_config_notice("MEMLINE_OUTPUT=%s is not stderr, stdout, logging or "
				   "file:PATH; using stderr", out_shown(shown, sizeof(shown), v));
	}

	c->logger = env("MEMLINE_LOGGER");
	if (c->logger && (problem = text_problem(c->logger))) {
		attr_config_notice("MEMLINE_LOGGER=%s %s; using memory_profiler_logs",
				   out_shown(shown, sizeof(shown), c->logger), problem);
		c->logger = NULL;
	}
	if (!c->logger)
		c->logger = "memory_profiler_logs";

	c->format = env("MEMLINE_FORMAT");
	if (!c->format) {
		c->format = "%(name)s: %(message)s";
	} else if ((problem = attr_config_format_problem(c->format, buf, sizeof(buf)))) {
		attr_config_notice("MEMLINE_FORMAT=%s %s; using %%(name)s: %%(message)s",
				   out_shown(shown, sizeof(shown), c->format), problem);
		c->format = "%(name)s: %(message)s";
	}

	flag("MEMLINE_INCREMENTS_ONLY", &c->increments_only);

	c->precision = 1;
	v = env("MEMLINE_PRECISION");
	if (v) {
		/* digits only: strtol would take " 3" and "+3" too */
		long p = strspn(v, "0123456789") == strlen(v) ? strtol(v, NULL, 10) : -1;

		if (p < 0 || p > 9)
			attr_config_notice("MEMLINE_PRECISION=%s is not a whole number from 0 "
					   "to 9; using 1", out_shown(shown, sizeof(shown), v));
		else
			c->precision = (int)p;
	}

	c->async = ATTR_ASYNC_OWN;
	v = env("MEMLINE_ASYNC");
	if (v && !strcmp(v, "thread"))
		c->async = ATTR_ASYNC_THREAD;
	else if (v && strcmp(v, "own"))
		attr_config_notice("MEMLINE_ASYNC=%s is not own or thread; using own",
				   out_shown(shown, sizeof(shown), v));
}
