/*
 * Where text goes: a sink is a write callback plus an opaque pointer.
 * Lines are formatted into a fixed buffer; a report line longer than it (a
 * long source line) is formatted in memory of its size, and cut only if
 * that cannot be had.  Until a sink is set, lines go to stderr.
 */
#ifndef OUT_SINK_H
#define OUT_SINK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct out_sink {
	void (*write)(void *ctx, const char *text, size_t len);
	void *ctx;
};

enum { OUT_LINE_MAX = 4096 };

/* The stderr sink: write(2) to fd 2, whole, retrying on EINTR. */
extern const struct out_sink out_stderr;

/*
 * From now on, write stderr messages to a close-on-exec duplicate of fd 2
 * taken now, so a program that closes its stderr before exiting (all of
 * coreutils does) still shows the summary.  Only taken when asked for.
 */
void out_keep_stderr(void);

/*
 * Writes one message ending in '\n' to stderr, prefixed "memline: ".
 * Control characters and bytes that are not UTF-8 (from a variable's
 * value) are escaped, so a notice is always one line.
 */
void out_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_vnotice(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * May memline write to fd 1 or 2?  Only while it holds what it held when
 * the library was loaded, or something the program put there with dup2 or
 * dup3 (its redirections): a number closed at start-up, or closed later
 * and taken by a file or socket the program opened, is never written.
 */
bool out_std_open(int fd);

/*
 * The program is about to make fd (1 or 2) refer to what `from` refers to
 * (dup2/dup3; called before, so that a report written meanwhile is not
 * lost); from == fd: what fd holds now.  Safe in a hook: one statx, no
 * allocation, no lock, errno kept.
 */
void out_std_moving(int fd, int from);

/* In a child of fork (an atfork handler): the streams are now its own.
 * Until then, and in a child of vfork, out_std_moving() does nothing. */
void out_std_forked(void);

/*
 * Writes text to fd, whole.  A full non-blocking descriptor is waited for
 * (at most 5 s, once per process); SIGPIPE is held off while memline
 * writes, so a reader that went away costs the program nothing.  A failed
 * write is named once per process on stderr.
 */
void out_write_fd(int fd, const char *text, size_t len);

/*
 * Opens the report file for MEMLINE_OUTPUT=file:given, where path is the
 * absolute template (%p: the pid, %%: a %).  Returns a close-on-exec
 * descriptor above 2 that the caller closes, or -1 after one notice, or
 * -2 if the failure may pass (out of descriptors, memory or space: said
 * once per process; the next report tries again).
 * Nothing blocks: a FIFO without a reader is refused; one with a reader is
 * kept open for the process's life (the caller gets a copy), so the reader
 * sees no end of file between reports.
 */
int out_file_open(const char *given, const char *path);

#endif
