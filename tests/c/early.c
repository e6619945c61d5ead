/*
 * Allocations before main (run with MEMLINE_SUMMARY=all).
 *
 *   early ctor      a constructor of the program allocates and frees,
 *                   then main does
 *   early preinit   as well, a .preinit_array function allocates first: it
 *                   runs before every shared library's constructor (libc's
 *                   and memline's included), so its calls are the first
 *                   the hooks ever see
 *
 * The very first thing the preinit function does, in both modes, is fork
 * a probe: the probe goes through the same start-up and exit without the
 * known work, so its summary line is the baseline.  The probe prints
 * "probe PID"; the process prints "held PID HEAP ANON ALLOCS FREES", the
 * exact bytes and calls its summary line must show above the probe's.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_probe, preinit_work;
static pid_t probe_pid;
static long long heap, anon, allocs, frees;
static void *from_preinit, *from_ctor;
static char *map;

/* A live block the summary must show; keep() also counts its allocation. */
static void *adopt(void *p)
{
	if (!p)
		abort();
	heap += (long long)malloc_usable_size(p);
	return p;
}

static void *keep(void *p)
{
	allocs++;
	return adopt(p);
}

static void release(void *p)
{
	heap -= (long long)malloc_usable_size(p);
	frees++;
	free(p);
}

static void churn(size_t n)
{
	char *p = malloc(n);

	if (!p)
		abort();
	memset(p, 0x5a, n);
	free(p);
	allocs++;
	frees++;
}

static void map_pages(int pages)
{
	map = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		abort();
	anon += pages * 4096;
	allocs++;
}

static void before_constructors(int argc, char **argv, char **envp)
{
	pid_t pid;
	char *p, *q;

	(void)envp;
	preinit_work = argc > 1 && !strcmp(argv[1], "preinit");
	pid = fork();
	if (pid < 0)
		_exit(2);
	if (pid == 0) {
		is_probe = 1;
		return;
	}
	probe_pid = pid;
	if (!preinit_work)
		return;
	keep(malloc(1000));
	from_preinit = keep(calloc(50, 20));
	churn(300);
	churn(200000);			/* glibc serves this one with mmap */
	p = malloc(10);
	if (!p)
		abort();
	memcpy(p, "preinit", 8);
	q = realloc(p, 20000);		/* a release and an allocation */
	if (!q || strcmp(q, "preinit"))
		abort();
	allocs += 2;
	frees++;
	adopt(q);
	map_pages(4);
}

__attribute__((section(".preinit_array"), used))
static void (*const preinit_entry)(int, char **, char **) = before_constructors;

__attribute__((constructor)) static void in_constructor(void)
{
	void *p;

	if (is_probe)
		return;
	keep(malloc(5000));
	from_ctor = keep(calloc(1, 300000));	/* above the mmap threshold */
	if (posix_memalign(&p, 256, 700))
		abort();
	keep(p);
	churn(64);
	if (from_preinit)
		release(from_preinit);	/* made before any constructor ran */
	if (!map)
		map_pages(3);
	munmap(map + 2 * 4096, 4096);
	anon -= 4096;
	frees++;
}

int main(void)
{
	char line[160];
	int n, status;

	if (is_probe) {
		n = snprintf(line, sizeof(line), "probe %d\n", (int)getpid());
		if (write(1, line, (size_t)n) != n)
			return 3;
		return 0;
	}
	if (waitpid(probe_pid, &status, 0) != probe_pid || status != 0)
		return 4;
	keep(aligned_alloc(64, 640));
	release(from_ctor);
	churn(10);
	n = snprintf(line, sizeof(line), "held %d %lld %lld %lld %lld\n", (int)getpid(), heap, anon,
		     allocs, frees);
	if (write(1, line, (size_t)n) != n)
		return 3;
	return 0;
}
