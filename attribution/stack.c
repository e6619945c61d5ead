#include "attribution/stack.h"

#include <pthread.h>

#include "attribution/lines.h"

/* UINTPTR_MAX: not asked yet; 0: cannot be known */
static __thread uintptr_t stack_lo __attribute__((tls_model("initial-exec"))) = UINTPTR_MAX;
static __thread uintptr_t stack_hi __attribute__((tls_model("initial-exec")));

static __attribute__((noinline)) void ask(void)
{
	pthread_attr_t a;
	void *lo = NULL;
	size_t size = 0;

	attr_me.busy++;		/* glibc may allocate: not the user's bytes */
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		if (pthread_attr_getstack(&a, &lo, &size) != 0)
			lo = NULL;
		pthread_attr_destroy(&a);
	}
	attr_me.busy--;
	stack_lo = lo ? (uintptr_t)lo : 0;
	stack_hi = lo ? (uintptr_t)lo + size : 0;
}

bool attr_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
	if (__builtin_expect(stack_lo == UINTPTR_MAX, 0))
		ask();
	*lo = stack_lo;
	*hi = stack_hi;
	return stack_lo != 0;
}

size_t attr_stack_left(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), lo, hi;

	if (!attr_stack_bounds(&lo, &hi) || sp < lo || sp >= hi)
		return SIZE_MAX;
	return sp - lo;
}
