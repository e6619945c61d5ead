/*
 * The library's life in a process: bootstrap, the "do we track here?"
 * decision, fork, and exit.
 */
#ifndef PL_STATE_H
#define PL_STATE_H

#include <stdatomic.h>
#include <stdbool.h>

enum pl_mode {
	PL_OFF,		/* pass everything through to libc, count nothing */
	PL_ON,		/* pass through and count */
	PL_BOOT,	/* originals not known yet on this thread: use the pool */
};

extern _Atomic int pl_state;	/* a value of enum pl_state_value */

enum pl_state_value { PL_S_UNINIT, PL_S_INITIALIZING, PL_S_OFF, PL_S_ON };

enum pl_mode pl_mode_slow(void);

/* What a hook must do now; one relaxed load on the fast path. */
static inline enum pl_mode pl_mode(void)
{
	int s = atomic_load_explicit(&pl_state, memory_order_acquire);

	if (__builtin_expect(s == PL_S_ON, 1))
		return PL_ON;
	if (s == PL_S_OFF)
		return PL_OFF;
	return pl_mode_slow();
}

/*
 * The same, for the hooks that must not start the bootstrap (mmap,
 * munmap, mremap, dup2, dup3): PL_BOOT until it is over.  An allocator
 * listed before memline maps its heap from inside its own first malloc,
 * where the bootstrap's dlsym and dlopen, which allocate, would call back
 * into it half made (scalene's recurses until the stack overflows).
 * Until then such calls go to the kernel, uncounted.
 */
static inline enum pl_mode pl_mode_settled(void)
{
	int s = atomic_load_explicit(&pl_state, memory_order_acquire);

	if (__builtin_expect(s == PL_S_ON, 1))
		return PL_ON;
	return s == PL_S_OFF ? PL_OFF : PL_BOOT;
}

/* The system page size, known once the state is settled. */
extern unsigned long pl_page_size;

#endif
