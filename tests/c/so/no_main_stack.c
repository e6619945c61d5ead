/*
 * pthread_getattr_np failing for the main thread, as it does where
 * /proc/self/maps cannot be read (a sandbox or chroot without /proc) or
 * the stack's rlimit cannot be asked: preloaded before libmemline.so.
 * Other threads' attributes come from glibc as usual.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((visibility("default"))) int pthread_getattr_np(pthread_t t, pthread_attr_t *a)
{
	int (*real)(pthread_t, pthread_attr_t *);

	if (pthread_equal(t, pthread_self()) && getpid() == (pid_t)syscall(SYS_gettid))
		return ENOENT;
	real = (int (*)(pthread_t, pthread_attr_t *))dlsym(RTLD_NEXT, "pthread_getattr_np");
	return real ? real(t, a) : ENOSYS;
}
