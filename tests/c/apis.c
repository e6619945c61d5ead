/*
 * Every hooked function once, with known sizes, and the failures libc
 * reports (run with MEMLINE_SUMMARY=all).
 *
 * stdout gets one line per call: what it returned and errno.  It must be
 * byte-identical with and without the library.  Then, after forking a
 * probe that exits at once (the baseline), the process keeps a known set
 * of blocks and mappings live and prints "held PID HEAP ANON ALLOCS FREES":
 * the exact bytes and calls the summary line must show above the probe's.
 * With the argument no-pvalloc pvalloc is left out (valgrind aborts the
 * program that calls it).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long long heap, anon, allocs, frees;
static volatile size_t huge = SIZE_MAX;	/* hidden from the compiler's size checks */

static void show(const char *what, int ok, int err)
{
	printf("%-44s %s errno=%s\n", what, ok ? "ok  " : "FAIL", err ? strerror(err) : "0");
}

#define CALL(what, expr, ok_expr)                                   \
	do {                                                        \
		errno = 0;                                          \
		expr;                                               \
		int e_ = errno;                                     \
		show(what, (ok_expr), e_);                          \
	} while (0)

static void hold(void *p)
{
	heap += malloc_usable_size(p);
	allocs++;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? argv[0] : "/proc/self/exe";
	int pv = !(argc > 1 && strcmp(argv[1], "no-pvalloc") == 0);
	void *p = NULL, *q, *m;
	int r;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	pid_t probe;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* failures: results and errno exactly as libc's */
	CALL("malloc(huge)", p = malloc(huge), p != NULL);
	CALL("calloc(huge/2, 3)", p = calloc(huge / 2, 3), p != NULL);
	CALL("realloc(NULL, huge)", p = realloc(NULL, huge), p != NULL);
	CALL("reallocarray(NULL, huge/2, 3)", p = reallocarray(NULL, huge / 2, 3), p != NULL);
	CALL("posix_memalign(3, 10)", r = posix_memalign(&p, 3, 10), r == 0);
	printf("  returned %d\n", r);
	CALL("posix_memalign(64, huge)", r = posix_memalign(&p, 64, huge), r == 0);
	printf("  returned %d\n", r);
	CALL("aligned_alloc(3, 10)", p = aligned_alloc(3, 10), p != NULL);
	CALL("memalign(64, huge)", p = memalign(64, huge), p != NULL);
	CALL("valloc(huge)", p = valloc(huge), p != NULL);
	if (pv)
		CALL("pvalloc(huge)", p = pvalloc(huge), p != NULL);
	CALL("mmap(bad flags)", p = mmap(NULL, page, PROT_READ, 0, -1, 0), p != MAP_FAILED);
	CALL("mmap(anon, len 0)", p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	     p != MAP_FAILED);
	CALL("mmap(bad fd)", p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, 12345, 0), p != MAP_FAILED);
	CALL("munmap(unaligned)", r = munmap((char *)&page + 1, page), r == 0);
	CALL("munmap(len 0)", r = munmap((void *)(page * 16), 0), r == 0);
	CALL("mremap(unmapped)", p = mremap((void *)(page * 16), page, 2 * page, 0), p != MAP_FAILED);
	/* an unmapped but valid range: Linux says ok */
	m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m, 4 * page);
	CALL("munmap(already unmapped)", r = munmap(m, 4 * page), r == 0);
	/* successes keep errno as it was */
	errno = EAGAIN;
	p = malloc(10);
	show("malloc(10) keeps errno", p != NULL, errno == EAGAIN ? 0 : errno);
	free(p);
	errno = EAGAIN;
	free(NULL);
	show("free(NULL) keeps errno", 1, errno == EAGAIN ? 0 : errno);
	CALL("realloc(malloc(5), 0)", p = realloc(malloc(5), 0), p == NULL);
	CALL("malloc_usable_size(NULL)", r = (int)malloc_usable_size(NULL), r == 0);
	/* glibc's own rounding makes pvalloc(0) a small block, not a page */
	if (pv) {
		p = pvalloc(0);
		printf("pvalloc(0) usable %zu\n", malloc_usable_size(p));
		free(p);
	}
	/* with MREMAP_DONTUNMAP new_addr is a hint: followed, or refused when
	 * unaligned */
	{
		char *hole = mmap(NULL, 64 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *a, *b;

		munmap(hole, 64 * page);
		a = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		errno = 0;
		b = mremap(a, 4 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
			   hole + 16 * page);
		show("mremap(DONTUNMAP, hint) lands on the hint", b == hole + 16 * page,
		     b == MAP_FAILED ? errno : 0);
		CALL("mremap(DONTUNMAP, unaligned hint)",
		     p = mremap(b, 4 * page, 4 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
				hole + 16 * page + 1),
		     p != MAP_FAILED);
		munmap(a, 4 * page);
		if (b != MAP_FAILED)
			munmap(b, 4 * page);
	}

	/* the baseline, then known live blocks */
	probe = fork();
	if (probe == 0)
		exit(0);
	waitpid(probe, NULL, 0);
	allocs = frees = heap = anon = 0;

	hold(malloc(1000));
	hold(calloc(100, 100));
	hold(malloc(1 << 20));			/* glibc mmaps this one itself */
	p = malloc(100);
	allocs++;
	q = realloc(p, 5000);			/* a free and an allocation */
	frees++;
	hold(q);
	q = reallocarray(NULL, 300, 7);
	hold(q);
	r = posix_memalign(&p, 256, 3000);
	hold(p);
	hold(aligned_alloc(64, 640));
	hold(memalign(4096, 10000));
	hold(valloc(5000));
	if (pv)
		hold(pvalloc(5000));
	p = malloc(777);
	memset(p, 0, 777);			/* keep the compiler from eliding the pair */
	free(p);
	allocs++;
	frees++;
	m = mmap(NULL, 10 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	anon += 10 * page;
	allocs++;
	munmap((char *)m + 8 * page, 2 * page);	/* the tail goes */
	anon -= 2 * page;
	frees++;
	m = mremap(m, 8 * page, 20 * page, MREMAP_MAYMOVE);
	anon += 12 * page;
	allocs++;
	frees++;
	mmap(NULL, 3 * page + 1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	anon += 4 * page;			/* counted in whole pages */
	allocs++;
	mmap(NULL, 64 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);	/* a reservation: 0 */
	munmap(&errno, page);			/* not ours: nothing to subtract (and fails) */
	/* a file mapping is neither heap nor anonymous */
	int fd = open(self, O_RDONLY);
	void *fm = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);

	munmap(fm, page);
	fm = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);	/* kept */
	close(fd);
	printf("held %d %llu %llu %llu %llu\n", (int)getpid(), heap, anon, allocs, frees);
	(void)r;
	(void)fm;
	return 0;
}
