/*
 * fork() from the main thread while other threads are busy in malloc,
 * free, realloc and anonymous mmap/munmap/mremap (run with
 * MEMLINE_SUMMARY=all).
 *
 *   fork_busy WORKERS FORKS
 *
 * The main thread forks FORKS children, one after another, while WORKERS
 * threads keep allocating.  Each child (single-threaded, the workers'
 * blocks frozen mid-flight) first forks a probe -- which starts and joins
 * two idle threads and exits, the baseline -- then makes known
 * allocations and releases of its own, some in two threads it starts, and
 * prints "child PID PROBE_PID HEAP ANON ALLOCS FREES" for its summary line
 * to match exactly.
 *
 * The parent gives each child 20 seconds: one that has not exited by then
 * is reported as "hung PID" and killed, and the parent exits 1.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 64
#define MAPS 4

static atomic_int stop;
static long long heap, anon, allocs, frees;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *busy(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ULL + 1;
	void *slot[SLOTS] = { 0 };
	void *map[MAPS] = { 0 };
	size_t map_len[MAPS] = { 0 };

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t r = next_rand(&seed);
		int i = (int)(r % SLOTS), m = (int)((r >> 8) % MAPS);
		size_t size = r % 16 == 0 ? 200000 : 1 + (r >> 20) % 2000;

		if (r % 32 == 0) {
			if (!map[m]) {
				map_len[m] = 4096 * (1 + (r >> 12) % 8);
				map[m] = mmap(NULL, map_len[m], PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (map[m] == MAP_FAILED)
					map[m] = NULL;
			} else if (r % 3 == 0) {
				void *p = mremap(map[m], map_len[m], 2 * map_len[m], MREMAP_MAYMOVE);

				if (p != MAP_FAILED) {
					map[m] = p;
					map_len[m] *= 2;
				}
			} else {
				munmap(map[m], map_len[m]);
				map[m] = NULL;
			}
		} else if (!slot[i]) {
			slot[i] = r % 5 ? malloc(size) : calloc(1, size);
		} else if (r % 3 == 0) {
			void *p = realloc(slot[i], size);

			if (p)
				slot[i] = p;
		} else {
			free(slot[i]);
			slot[i] = NULL;
		}
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	for (int m = 0; m < MAPS; m++)
		if (map[m])
			munmap(map[m], map_len[m]);
	return NULL;
}

struct child_thread {
	int work;
	long long heap, allocs, frees;
};

static void *child_thread(void *arg)
{
	struct child_thread *c = arg;
	void *p, *q;

	if (!c->work)
		return NULL;
	p = malloc(3000);
	q = calloc(10, 100);
	if (!p || !q)
		abort();
	free(p);
	c->heap += (long long)malloc_usable_size(q);	/* left live */
	c->allocs += 2;
	c->frees++;
	return NULL;
}

static void child_threads(int work)
{
	struct child_thread c[2] = { { work, 0, 0, 0 }, { work, 0, 0, 0 } };
	pthread_t tid[2];

	for (int t = 0; t < 2; t++)
		if (pthread_create(&tid[t], NULL, child_thread, &c[t]))
			_exit(2);
	for (int t = 0; t < 2; t++) {
		pthread_join(tid[t], NULL);
		heap += c[t].heap;
		allocs += c[t].allocs;
		frees += c[t].frees;
	}
}

static void child_main(int n)
{
	char line[200], *m, *p, *q;
	pid_t probe;
	int len, status;

	probe = fork();
	if (probe < 0)
		_exit(2);
	if (probe == 0) {
		child_threads(0);
		exit(0);
	}
	if (waitpid(probe, &status, 0) != probe || status != 0)
		_exit(4);
	p = malloc(1000 + (size_t)n);
	q = malloc(5000);
	if (!p || !q)
		abort();
	memset(q, 1, 5000);
	free(q);
	q = realloc(p, 300000);
	if (!q)
		abort();
	heap += (long long)malloc_usable_size(q);
	allocs += 3;
	frees += 2;
	m = mmap(NULL, 6 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		abort();
	munmap(m, 4096);
	m = mremap(m + 4096, 5 * 4096, 9 * 4096, MREMAP_MAYMOVE);
	if (m == MAP_FAILED)
		abort();
	anon += 9 * 4096;
	allocs += 2;
	frees += 2;
	child_threads(1);
	len = snprintf(line, sizeof(line), "child %d %d %lld %lld %lld %lld\n", (int)getpid(),
		       (int)probe, heap, anon, allocs, frees);
	if (write(1, line, (size_t)len) != len)
		_exit(3);
	exit(0);
}

/* waitpid with a deadline; 0 when the child exited 0 in time. */
static int wait_for(pid_t pid, int seconds)
{
	struct timespec tick = { 0, 2000000 };
	int status;

	for (long waited = 0; waited < seconds * 500L; waited++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
		if (r < 0 && errno != EINTR)
			return 1;
		nanosleep(&tick, NULL);
	}
	dprintf(1, "hung %d\n", (int)pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 1;
}

int main(int argc, char **argv)
{
	int workers, forks, failed = 0;
	pthread_t *tids;

	if (argc != 3) {
		fprintf(stderr, "usage: fork_busy WORKERS FORKS\n");
		return 2;
	}
	workers = atoi(argv[1]);
	forks = atoi(argv[2]);
	tids = calloc((size_t)workers, sizeof(*tids));
	for (int t = 0; t < workers; t++)
		if (pthread_create(&tids[t], NULL, busy, (void *)(uintptr_t)(t + 1)))
			return 2;
	for (int n = 0; n < forks; n++) {
		struct timespec pause = { 0, 1000000L * (n % 4) };
		pid_t pid;

		nanosleep(&pause, NULL);
		pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			child_main(n);
		if (wait_for(pid, 20)) {
			dprintf(1, "failed %d\n", (int)pid);
			failed = 1;
			break;
		}
	}
	atomic_store(&stop, 1);
	for (int t = 0; t < workers; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	return failed;
}
