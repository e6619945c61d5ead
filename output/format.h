/*
 * A small formatter that never allocates: a subset of printf into a
 * caller's fixed buffer, always NUL-terminated, truncating when full.
 * Conversions: %s %c %d %i %u %x %ld %lu %lld %llu %zu %zd %%, with the
 * '-' and '0' flags, a width and, for %s, a precision ('*' for either).
 */
#ifndef OUT_FORMAT_H
#define OUT_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the length written (excluding the NUL). */
size_t out_format(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t out_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * bytes / 2^20 with `decimals` digits after the point, rounded half away
 * from zero, exactly (integer arithmetic), as "12.3".  decimals is 0..9.
 */
const char *out_mib(char *buf, size_t cap, int64_t bytes, int decimals);

/*
 * Is s[0..n) well-formed UTF-8, as Python's strict decoder wants it (no
 * overlong forms, no surrogates, nothing above U+10FFFF)?
 */
bool out_utf8_ok(const char *s, size_t n);

/*
 * Does s[0..n) hold a control character (U+0000-U+001F or U+007F: a line
 * break, a tab, an escape...), which out_escape() shows escaped?
 */
bool out_has_control(const char *s, size_t n);

/*
 * Copies s[0..n) into buf for a one-line message: \n \r \t and other
 * control bytes, and bytes that are not UTF-8, become \n \r \t or \xNN.
 * NUL-terminated, truncated when full; returns the length written.
 */
size_t out_escape(char *buf, size_t cap, const char *s, size_t n);

/*
 * A value for a message: s itself if it is short, else its start and its
 * end around "..." and its length, "abc...xyz (5010 bytes)", in buf (cut
 * between UTF-8 characters), so that what the message says after it is
 * not lost to the line's limit.  cap should be OUT_SHOWN_CAP.
 */
enum { OUT_SHOWN_CAP = 192 };
const char *out_shown(char *buf, size_t cap, const char *s);

#endif
