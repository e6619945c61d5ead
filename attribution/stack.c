#include "attribution/stack.h"

#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attribution/lines.h"

/* UINTPTR_MAX: not asked yet; 0: cannot be known */
static __thread uintptr_t stack_lo __attribute__((tls_model("initial-exec"))) = UINTPTR_MAX;
static __thread uintptr_t stack_hi __attribute__((tls_model("initial-exec")));

/*
 * The main thread's stack where pthread_getattr_np cannot say (it reads
 * /proc/self/maps, which a sandbox or chroot may lack, and the stack's
 * rlimit): its top is the page above the program's file name, the last
 * thing the kernel put there (AT_EXECFN); its size the rlimit, or 8 MiB
 * if that is unknown or unlimited (or larger than the address space).
 * 0 if even that cannot be known.
 */
static uintptr_t main_stack_estimate(uintptr_t *hi)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), top;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), limit = (size_t)8 << 20;
	struct rlimit rl;

	if (getpid() != (pid_t)syscall(SYS_gettid) || !execfn || page == 0 || page > (1u << 24))
		return 0;
	top = ((uintptr_t)execfn + strlen(execfn) + 1 + page - 1) & ~(uintptr_t)(page - 1);
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < top)
		limit = rl.rlim_cur;
	if (top <= here || top - here >= limit)
		return 0;
	*hi = top;
	return top - limit;
}

static __attribute__((noinline)) void ask(void)
{
	pthread_attr_t a;
	void *lo = NULL;
	size_t size = 0;
	uintptr_t top = 0, bottom;

	attr_me.busy++;		/* glibc may allocate: not the user's bytes */
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		if (pthread_attr_getstack(&a, &lo, &size) != 0)
			lo = NULL;
		pthread_attr_destroy(&a);
	}
	attr_me.busy--;
	if (!lo) {
		bottom = main_stack_estimate(&top);
		stack_lo = bottom;
		stack_hi = bottom ? top : 0;
		return;
	}
	stack_lo = (uintptr_t)lo;
	stack_hi = (uintptr_t)lo + size;
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
