/*
 * The one list of every libc function memline interposes.
 *
 * PL_HOOKS(X) expands X(ret, name, params, required) once per hooked
 * function.  preload/libc.c expands it to declare, resolve and check the
 * originals; preload/hooks.c defines the interposers by hand.  A required
 * original that cannot be resolved makes the library stand down; an
 * optional one stays NULL and its hook falls back on a required one.
 */
#ifndef PL_HOOKS_H
#define PL_HOOKS_H

#include <stddef.h>
#include <sys/types.h>

#define PL_HOOKS(X)                                                         \
	X(void *, malloc, (size_t), 1)                                      \
	X(void *, calloc, (size_t, size_t), 1)                              \
	X(void *, realloc, (void *, size_t), 1)                             \
	X(void *, reallocarray, (void *, size_t, size_t), 0)                \
	X(void, free, (void *), 1)                                          \
	X(int, posix_memalign, (void **, size_t, size_t), 1)                \
	X(void *, aligned_alloc, (size_t, size_t), 1)                       \
	X(void *, memalign, (size_t, size_t), 1)                            \
	X(void *, valloc, (size_t), 1)                                      \
	X(void *, pvalloc, (size_t), 0)                                     \
	X(size_t, malloc_usable_size, (void *), 1)                          \
	X(void *, mmap, (void *, size_t, int, int, int, off_t), 1)          \
	X(int, munmap, (void *, size_t), 1)                                 \
	X(void *, mremap, (void *, size_t, size_t, int, ...), 1)          \
	X(int, dup2, (int, int), 1)                                         \
	X(int, dup3, (int, int, int), 0)

/* hooks.c's malloc itself, whoever else defines one before it */
__attribute__((visibility("hidden"))) void *pl_malloc_self(size_t size);

#endif
