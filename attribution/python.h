/*
 * Everything memline knows about CPython lives in attribution/.  This is
 * the cheap first question preload/ asks once per process.
 */
#ifndef ATTR_PYTHON_H
#define ATTR_PYTHON_H

#include <stdbool.h>
#include <stddef.h>

/* True when a CPython runtime is linked into this process (shared
 * libpython or a static interpreter exporting its API). */
bool attr_python_present(void);

/*
 * Reads this process's command line (/proc/self/cmdline) for
 * attr_python_mp_helper(): once, at load, before the program can rewrite
 * it (a process title), and never from a hook.
 */
void attr_python_read_cmdline(void);

/*
 * Is this process one of multiprocessing's helpers: its resource tracker,
 * its fork server, or a worker it spawned?  They read the program's
 * settings again but run none or only some of its functions, so what the
 * settings deserve to be told is said by the program's own process.
 * False until attr_python_read_cmdline() has run.
 */
bool attr_python_mp_helper(void);

/*
 * The same question about a command line: words[0..len) are its words,
 * each ending in '\0' as in /proc/self/cmdline, and words[len] is '\0'.
 * A helper is "PYTHON [OPTION...] -c CODE ..." with CODE from
 * multiprocessing itself.
 */
bool attr_python_mp_helper_args(const char *words, size_t len);

#endif
