/*
 * The MEMLINE_* variables, read once.  A malformed value is named in one
 * line on stderr (by the program's process, not again by multiprocessing's
 * helpers) and replaced by its default.
 */
#ifndef ATTR_CONFIG_H
#define ATTR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum attr_output { ATTR_OUT_STDERR, ATTR_OUT_STDOUT, ATTR_OUT_FILE, ATTR_OUT_LOGGING };
enum attr_async { ATTR_ASYNC_OWN, ATTR_ASYNC_THREAD };

struct attr_config {
	const char *functions;		/* NULL: no line reports */
	enum attr_output output;
	const char *path;		/* for ATTR_OUT_FILE: absolute, resolved at
					   start-up, with %p (and %%) unexpanded */
	const char *path_given;		/* the same as the user wrote it */
	const char *logger;
	const char *format;
	bool increments_only;
	int precision;
	enum attr_async async;
};

/*
 * Parses the environment; prints a notice per malformed value.  An empty
 * value is an unset one.
 */
void attr_config_load(struct attr_config *c);

/*
 * A notice about the settings, on stderr; none in multiprocessing's helper
 * processes (attr_python_mp_helper()), which read the same environment
 * after the program's own process has said it.
 */
void attr_config_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * What is wrong with fmt as a MEMLINE_FORMAT, as the end of a sentence
 * starting with the value, written into buf; NULL if nothing is.
 */
const char *attr_config_format_problem(const char *fmt, char *buf, size_t cap);

#endif
