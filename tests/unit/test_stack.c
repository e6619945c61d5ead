#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>

#include "attribution/stack.h"

static __attribute__((noinline)) size_t left_deeper(int n)
{
	volatile char pad[1024];
	size_t left;

	pad[0] = (char)n;
	left = n ? left_deeper(n - 1) : attr_stack_left();
	pad[1] = pad[0];	/* the frame lives across the call */
	return left;
}

static void *on_thread(void *arg)
{
	size_t *out = arg;

	out[0] = attr_stack_left();
	out[1] = left_deeper(8);
	return NULL;
}

Test(stack, a_thread_of_known_size)
{
	pthread_attr_t a;
	pthread_t t;
	size_t left[2];

	cr_assert_eq(pthread_attr_init(&a), 0);
	cr_assert_eq(pthread_attr_setstacksize(&a, 256 * 1024), 0);
	cr_assert_eq(pthread_create(&t, &a, on_thread, left), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&a);
	cr_assert(left[0] < 264 * 1024 && left[0] > 200 * 1024, "left %zu", left[0]);
	/* eight frames of more than 1 KiB each, deeper */
	cr_assert(left[1] < left[0] - 8 * 1024 && left[1] > left[0] - 16 * 1024,
		  "left %zu then %zu", left[0], left[1]);
}

Test(stack, the_main_thread)
{
	uintptr_t lo, hi, here = (uintptr_t)__builtin_frame_address(0);

	cr_assert(attr_stack_bounds(&lo, &hi));
	cr_assert(lo < here && here < hi);
	cr_assert(attr_stack_left() <= here - lo && attr_stack_left() > here - lo - 4096);
}
