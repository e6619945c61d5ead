#include <criterion/criterion.h>
#include <errno.h>
#include <sys/mman.h>

#include "preload/libc.h"

/* The boot-time system calls fail as libc's do: -1 (or MAP_FAILED) and the
 * kernel's errno (pl_sys_munmap said EPERM for every failure). */
Test(libc, sys_calls_keep_the_kernels_errno)
{
	void *p;

	errno = 0;
	cr_assert_eq(pl_sys_munmap((void *)1, 4096), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(pl_sys_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
	cr_assert_eq(errno, EINVAL);
	p = pl_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(pl_sys_munmap(p, 4096), 0);
	errno = 0;	/* nothing mapped there now */
	cr_assert_eq(pl_sys_mremap(p, 4096, 8192, 0, NULL), MAP_FAILED);
	cr_assert_eq(errno, EFAULT);
}
