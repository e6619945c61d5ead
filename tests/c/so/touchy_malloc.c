/*
 * An allocator to list before memline in LD_PRELOAD, touchy as scalene's:
 * its first call maps its heap with mmap (memline's hook), and a malloc
 * that comes back into it while it does so aborts the process (scalene's
 * recursed until the stack overflowed).  With libstdc++ listed after
 * memline, as scalene's brings it, libstdc++'s constructor makes the
 * process's first malloc before memline's constructor has run.  A bump
 * allocator over one reserved mapping; free keeps nothing.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define HEAP_BYTES ((size_t)1 << 30)
#define HEADER 16

static char *heap;
static atomic_size_t used;
static atomic_int state;	/* 0 new, 1 mapping, 2 ready */

static void say_and_abort(const char *what)
{
	ssize_t r = write(2, what, strlen(what));

	(void)r;
	abort();
}

static void *take(size_t size, size_t align)
{
	int s = atomic_load(&state);
	size_t at, start;

	if (s == 1)
		say_and_abort("touchy_malloc: called again while mapping its heap\n");
	if (s == 0) {
		int expected = 0;

		if (atomic_compare_exchange_strong(&state, &expected, 1)) {
			void *p = mmap(NULL, HEAP_BYTES, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

			if (p == MAP_FAILED)
				say_and_abort("touchy_malloc: no heap\n");
			heap = p;
			atomic_store(&state, 2);
		}
		while (atomic_load(&state) != 2)
			;
	}
	if (align < HEADER)
		align = HEADER;
	if (size > HEAP_BYTES)
		return NULL;
	at = atomic_fetch_add(&used, size + align + HEADER);
	if (at + size + align + HEADER > HEAP_BYTES)
		return NULL;
	start = ((uintptr_t)heap + at + HEADER + align - 1) & ~(uintptr_t)(align - 1);
	((size_t *)start)[-1] = size;
	return (void *)start;
}

EXPORT void *malloc(size_t size)
{
	void *p = take(size, HEADER);

	if (!p)
		errno = ENOMEM;
	return p;
}

EXPORT void free(void *p)
{
	(void)p;
}

EXPORT void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n * size);	/* never reused: still zero */
}

EXPORT size_t malloc_usable_size(void *p)
{
	return p ? ((size_t *)p)[-1] : 0;
}

EXPORT void *realloc(void *p, size_t size)
{
	void *q = malloc(size);
	size_t old = malloc_usable_size(p);

	if (q && p)
		memcpy(q, p, old < size ? old : size);
	return q;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = take(size, align);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	return take(size, align);
}

EXPORT void *memalign(size_t align, size_t size)
{
	return take(size, align);
}

EXPORT void *valloc(size_t size)
{
	return take(size, 4096);
}

EXPORT void *pvalloc(size_t size)
{
	return take((size + 4095) & ~(size_t)4095, 4096);
}
