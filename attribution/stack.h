/*
 * How much C stack the calling thread has left.  memline's own work -- a
 * report, the logging sink's Python, a function's first source read -- runs
 * on whichever thread a selected function ends or starts on, maybe near the
 * end of a small stack (threading.stack_size, deep recursion); it must not
 * be what overflows it.  The thread's bounds are asked once per thread
 * (pthread_getattr_np: it allocates, and on the main thread reads
 * /proc/self/maps) -- never on the hook path.
 */
#ifndef ATTR_STACK_H
#define ATTR_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The calling thread's stack [*lo, *hi), asked the first time; false if it
 * cannot be known.  Call once early on the main thread (set-up does), where
 * there is room for glibc's /proc read.
 */
bool attr_stack_bounds(uintptr_t *lo, uintptr_t *hi);

/* Bytes left below the caller's frame; SIZE_MAX when unknown (the bounds
 * could not be had, or the caller runs on another stack). */
size_t attr_stack_left(void);

#endif
