/*
 * A multithreaded program whose output does not depend on scheduling.
 *
 *   mt THREADS OPS
 *
 * THREADS threads each make OPS malloc/calloc/realloc/free calls on their
 * own blocks, filling every block with a pattern from a per-thread seed and
 * checking it back (realloc must keep the prefix, calloc must be zeroed).
 * After a barrier each thread checks and frees the blocks its neighbour
 * left, so blocks are freed by another thread than the one that made them.
 * Prints one checksum per thread and their sum, then exits with status 3
 * (1 when a block came back wrong) so tests can see exit codes pass through.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256
#define MAX_THREADS 64

struct block {
	unsigned char *p;
	size_t len;
	unsigned char fill;
};

struct worker {
	pthread_t tid;
	int index;
	uint64_t seed;
	uint64_t sum;
	int bad;
	struct block slot[SLOTS];
};

static struct worker workers[MAX_THREADS];
static int nthreads;
static long nops;
static pthread_barrier_t barrier;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t rand_size(uint64_t *s)
{
	uint64_t r = next_rand(s);

	switch (r % 8) {
	case 0:
		return 1 + r % (256 * 1024);	/* sometimes above the mmap threshold */
	case 1:
	case 2:
		return 1 + r % 8192;
	default:
		return 1 + r % 256;
	}
}

/* The bytes that carry the pattern: the first 256, then one per page. */
static size_t next_pos(size_t i)
{
	return i < 256 ? i + 1 : i + 4096;
}

/* Checks a block's pattern over its first n bytes and adds it to the sum. */
static void check(struct worker *w, const struct block *b, size_t n)
{
	for (size_t i = 0; i < n; i = next_pos(i)) {
		unsigned char want = (unsigned char)(b->fill + i * 7);

		if (b->p[i] != want)
			w->bad = 1;
		w->sum = w->sum * 31 + b->p[i];
	}
}

static void fill(struct block *b, unsigned char fill)
{
	b->fill = fill;
	for (size_t i = 0; i < b->len; i = next_pos(i))
		b->p[i] = (unsigned char)(fill + i * 7);
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;

	for (long op = 0; op < nops; op++) {
		uint64_t r = next_rand(&w->seed);
		struct block *b = &w->slot[r % SLOTS];

		if (!b->p) {
			size_t len = rand_size(&w->seed);

			if (r % 5 == 0) {
				b->p = calloc(1, len);
				if (!b->p)
					abort();
				for (size_t i = 0; i < len; i = next_pos(i))
					if (b->p[i])
						w->bad = 1;
			} else {
				b->p = malloc(len);
				if (!b->p)
					abort();
			}
			b->len = len;
			fill(b, (unsigned char)(r >> 16));
		} else if (r % 3 == 0) {
			size_t len = rand_size(&w->seed);
			unsigned char *q = realloc(b->p, len);

			if (!q)
				abort();
			b->p = q;
			check(w, b, len < b->len ? len : b->len);
			b->len = len;
			fill(b, (unsigned char)(r >> 24));
		} else {
			check(w, b, b->len);
			free(b->p);
			b->p = NULL;
		}
	}
	pthread_barrier_wait(&barrier);
	/* the neighbour's leftovers: checked and freed by this thread */
	struct worker *n = &workers[(w->index + 1) % nthreads];

	for (int i = 0; i < SLOTS; i++) {
		struct block *b = &n->slot[i];

		if (b->p) {
			check(w, b, b->len);
			free(b->p);
			b->p = NULL;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t total = 0;
	int bad = 0;

	if (argc != 3 || atoi(argv[1]) < 1 || atoi(argv[1]) > MAX_THREADS) {
		fprintf(stderr, "usage: mt THREADS(1-%d) OPS\n", MAX_THREADS);
		return 2;
	}
	nthreads = atoi(argv[1]);
	nops = atol(argv[2]);
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
	for (int t = 0; t < nthreads; t++) {
		workers[t].index = t;
		workers[t].seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(t + 1);
		if (pthread_create(&workers[t].tid, NULL, thread_main, &workers[t])) {
			perror("pthread_create");
			return 2;
		}
	}
	for (int t = 0; t < nthreads; t++) {
		pthread_join(workers[t].tid, NULL);
		printf("thread %d checksum %016llx\n", t, (unsigned long long)workers[t].sum);
		total += workers[t].sum;
		bad |= workers[t].bad;
	}
	pthread_barrier_destroy(&barrier);
	printf("total %016llx\n", (unsigned long long)total);
	if (bad) {
		printf("CORRUPT: a block did not hold what was written\n");
		return 1;
	}
	return 3;
}
