/*
 * malloc/free pair timing for scripts/bench.
 *
 *   malloc_loop MODE PAIRS THREADS [WORKING_SET]
 *
 * MODE reuse: each pair is p = malloc(size); touch p; free(p) -- the
 *             allocator hands back the chunk it was just given.
 * MODE ws:    a working set of WORKING_SET live blocks (a power of two,
 *             default 4096);
 *             each pair frees a pseudo-randomly chosen block and
 *             allocates a replacement of a new size in its place, so
 *             chunks move between size bins and the set stays live.
 *
 * Sizes (16..512 bytes) and slot indexes come from fixed tables built
 * from a fixed seed, so every run does identical work.  Each of THREADS
 * threads does PAIRS pairs after a short untimed warm-up, timed inside
 * the thread with clock_gettime(CLOCK_MONOTONIC); the program prints
 * the mean over threads of (elapsed ns / PAIRS) as "ns_per_pair X".
 * THREADS 1 runs on the main thread and creates none, so the process
 * stays single-threaded (glibc's __libc_single_threaded stays true).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TABLE 4096	/* power of two */
#define WARMUP 1000000UL

static size_t sizes[TABLE];
static uint32_t picks[TABLE];
static enum { REUSE, WS } mode;
static unsigned long pairs;
static unsigned long ws = 4096;
static pthread_barrier_t start;

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Keep the compiler from pairing up and deleting malloc/free. */
#define ESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")

static void reuse_loop(unsigned long n, unsigned long off)
{
	for (unsigned long i = 0; i < n; i++) {
		char *p = malloc(sizes[(i + off) & (TABLE - 1)]);

		ESCAPE(p);
		p[0] = (char)i;
		free(p);
	}
}

static void ws_loop(char **slot, unsigned long n, unsigned long off)
{
	for (unsigned long i = 0; i < n; i++) {
		unsigned long k = (i + off) & (TABLE - 1);
		unsigned long j = (picks[k] + (i >> 12)) & (ws - 1);

		free(slot[j]);
		slot[j] = malloc(sizes[(k * 7 + 3) & (TABLE - 1)]);
		ESCAPE(slot[j]);
		slot[j][0] = (char)i;
	}
}

struct job {
	unsigned long id;
	double ns;
};

static void *worker(void *arg)
{
	struct job *job = arg;
	unsigned long off = job->id * 1237;
	char **slot = NULL;
	double t0;

	if (mode == WS) {
		slot = calloc(ws, sizeof(*slot));
		for (unsigned long j = 0; j < ws; j++)
			slot[j] = malloc(sizes[(j + off) & (TABLE - 1)]);
		ws_loop(slot, WARMUP, off);
	} else {
		reuse_loop(WARMUP, off);
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	if (mode == WS)
		ws_loop(slot, pairs, off);
	else
		reuse_loop(pairs, off);
	job->ns = now_ns() - t0;
	if (slot) {
		for (unsigned long j = 0; j < ws; j++)
			free(slot[j]);
		free(slot);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long threads;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	pthread_t tid[64];
	struct job jobs[64];
	double sum = 0;

	if (argc < 4 || (strcmp(argv[1], "reuse") && strcmp(argv[1], "ws"))) {
		fprintf(stderr, "usage: %s reuse|ws PAIRS THREADS [WORKING_SET]\n", argv[0]);
		return 2;
	}
	mode = strcmp(argv[1], "ws") ? REUSE : WS;
	pairs = strtoul(argv[2], NULL, 10);
	threads = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		ws = strtoul(argv[4], NULL, 10);
	if (threads < 1 || threads > 64 || ws < 1 || (ws & (ws - 1)) || pairs < 1) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	for (int i = 0; i < TABLE; i++) {
		sizes[i] = 16 + xorshift(&seed) % (512 - 16 + 1);
		picks[i] = (uint32_t)xorshift(&seed);
	}
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	if (threads == 1) {
		/* No thread is created: the process stays single-threaded, as
		 * glibc's __libc_single_threaded sees it, like most Pythons. */
		jobs[0].id = 0;
		worker(&jobs[0]);
		printf("ns_per_pair %.3f\n", jobs[0].ns / pairs);
		return 0;
	}
	for (unsigned long t = 0; t < threads; t++) {
		jobs[t].id = t;
		if (pthread_create(&tid[t], NULL, worker, &jobs[t])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (unsigned long t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		sum += jobs[t].ns;
	}
	printf("ns_per_pair %.3f\n", sum / threads / pairs);
	return 0;
}
