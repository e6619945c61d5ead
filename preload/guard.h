/*
 * The reentrancy guard: one initial-exec TLS flag, entered and left only
 * through this pair, which saves and restores the previous value.
 */
#ifndef PL_GUARD_H
#define PL_GUARD_H

#include <stdbool.h>

extern __thread int pl_guard_depth __attribute__((tls_model("initial-exec")));

static inline int pl_guard_enter(void)
{
	int prev = pl_guard_depth;

	pl_guard_depth = prev + 1;
	return prev;
}

static inline void pl_guard_leave(int prev)
{
	pl_guard_depth = prev;
}

static inline bool pl_guard_active(void)
{
	return pl_guard_depth != 0;
}

#endif
