/*
 * exec (run with MEMLINE_SUMMARY=all).
 *
 *   exec echo     holds 8 MiB, then becomes /bin/echo "hello from echo"
 *   exec self     holds 8 MiB while two threads allocate, then one of
 *                 them execs this program again as "exec image"
 *   exec image    the new image: forks a probe (the baseline), makes
 *                 known allocations, prints "image PID PROBE_PID HEAP ANON
 *                 ALLOCS FREES" and "finished"
 *   exec spawn    forks a probe, then runs "exec image" with posix_spawn,
 *                 then with fork + execv, one after the other, and prints
 *                 "spawner PID PROBE_PID HEAP ANON ALLOCS FREES" for its
 *                 own known allocations around them
 *   exec noenv    becomes "exec image" with an empty environment, hence
 *                 without the library
 *
 * An image replaced by exec runs no destructors, so it prints no summary;
 * the new image prints its own under the same pid.
 */
#include <malloc.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static long long heap, anon, allocs, frees;
static atomic_int exec_now;
static char *self_argv0;
static pid_t probe;

static void *keep(void *p)
{
	if (!p)
		abort();
	heap += (long long)malloc_usable_size(p);
	allocs++;
	return p;
}

static void release(void *p)
{
	heap -= (long long)malloc_usable_size(p);
	frees++;
	free(p);
}

static void hold_8mib(void)
{
	char *big = calloc(1, 8 << 20);

	if (!big)
		abort();
	memset(big, 1, 8 << 20);
}

static void print_held(const char *role)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%s %d %d %lld %lld %lld %lld\n", role, (int)getpid(),
			 (int)probe, heap, anon, allocs, frees);

	if (write(1, line, (size_t)n) != n)
		exit(3);
}

static void fork_probe(void)
{
	int status;

	probe = fork();
	if (probe < 0)
		exit(2);
	if (probe == 0)
		exit(0);
	if (waitpid(probe, &status, 0) != probe || status != 0)
		exit(4);
}

static void *busy(void *arg)
{
	void *slot[16] = { 0 };
	unsigned i = 0;

	for (;;) {
		unsigned k = i++ % 16;

		free(slot[k]);
		slot[k] = malloc(16 + i % 4000);
		if (arg && i == 5000) {
			/* exec from a thread while the other still allocates */
			char *args[] = { self_argv0, "image", NULL };

			atomic_store(&exec_now, 1);
			execv("/proc/self/exe", args);
			perror("execv");
			exit(5);
		}
	}
	return NULL;
}

static int image(void)
{
	void *p, *m;

	fork_probe();
	keep(malloc(777));
	p = keep(calloc(4, 1000));
	keep(malloc(250000));
	release(p);
	m = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		abort();
	anon += 5 * 4096;
	allocs++;
	print_held("image");
	printf("finished\n");
	return 0;
}

static int spawn(void)
{
	char *args[] = { self_argv0, "image", NULL };
	pid_t spawned, forked;
	int status;
	void *p;

	fork_probe();
	p = keep(malloc(3000));
	if (posix_spawn(&spawned, "/proc/self/exe", NULL, NULL, args, environ))
		return 2;
	if (waitpid(spawned, &status, 0) != spawned || status != 0)
		return 4;
	keep(malloc(4000));
	forked = fork();
	if (forked < 0)
		return 2;
	if (forked == 0) {
		execv("/proc/self/exe", args);
		_exit(5);
	}
	release(p);
	if (waitpid(forked, &status, 0) != forked || status != 0)
		return 4;
	print_held("spawner");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOFBF, 4096);
	self_argv0 = argv[0];
	if (!strcmp(mode, "echo")) {
		char *args[] = { "/bin/echo", "hello from echo", NULL };

		hold_8mib();
		execv("/bin/echo", args);
		perror("execv");
		return 5;
	}
	if (!strcmp(mode, "self")) {
		pthread_t t[2];

		hold_8mib();
		pthread_create(&t[0], NULL, busy, NULL);
		pthread_create(&t[1], NULL, busy, (void *)1);
		pthread_join(t[1], NULL);	/* never returns: the exec ends it */
		return 5;
	}
	if (!strcmp(mode, "image"))
		return image();
	if (!strcmp(mode, "spawn"))
		return spawn();
	if (!strcmp(mode, "noenv")) {
		char *args[] = { argv[0], "image", NULL };
		char *env[] = { NULL };

		execve("/proc/self/exe", args, env);
		perror("execve");
		return 5;
	}
	fprintf(stderr, "usage: exec echo|self|image|spawn|noenv\n");
	return 2;
}
