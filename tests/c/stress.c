/*
 * Stress target for the interposer (run with MEMLINE_SUMMARY=all).
 *
 *   stress THREADS OPS
 *
 * THREADS threads each make OPS random malloc/calloc/realloc/memalign/
 * posix_memalign/aligned_alloc/valloc/free and anonymous mmap/munmap/
 * mremap operations, then release everything.  Halfway through, thread 0
 * forks; the child (single-threaded, with the other threads' blocks
 * frozen mid-flight) does the same work.
 *
 * Every process that checks itself first forks a "probe" while it is
 * single-threaded: the probe runs the same threads with zero operations
 * and exits, so its summary line is this process's baseline.  Each process
 * prints "ROLE PID ALLOCS FREES" on stdout, the allocation and release
 * calls its workers made; the test pairs these with the summary lines.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 512
#define MAPS 8

struct worker {
	pthread_t tid;
	int index;
	long ops;
	uint64_t seed;
	uint64_t allocs, frees;
	void *slot[SLOTS];
	void *map[MAPS];
	size_t map_len[MAPS];
};

static int nthreads;
static long nops;
static pthread_mutex_t fork_lock = PTHREAD_MUTEX_INITIALIZER;
static int forked;
static const char *role = "parent";

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

	switch (r % 16) {
	case 0:
		return 0;
	case 1:
		return 128 * 1024 + r % (512 * 1024);	/* above glibc's mmap threshold */
	case 2:
	case 3:
		return 4096 + r % 32768;
	default:
		return 1 + r % 512;
	}
}

static void run(struct worker *w);
void process_main(void);

static void fork_child(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		role = "child";
		forked = 1;	/* the child's own workers must not fork again */
		/* the other threads are gone; their blocks stay live, as in any child */
		process_main();
		exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void *thread_main(void *arg)
{
	run(arg);
	return NULL;
}

static void *new_block(struct worker *w, uint64_t r)
{
	size_t size = rand_size(&w->seed);
	void *p = NULL;

	switch (r % 6) {
	case 0:
		p = malloc(size);
		break;
	case 1:
		p = calloc(1 + size % 7, size / 7 + 1);
		size = (1 + size % 7) * (size / 7 + 1);
		break;
	case 2:
		p = memalign(64 << (r % 4), size);
		break;
	case 3:
		if (posix_memalign(&p, 32 << (r % 5), size))
			p = NULL;
		break;
	case 4:
		size = (size + 127) & ~(size_t)127;
		p = aligned_alloc(128, size);
		break;
	case 5:
		p = r % 64 ? malloc(size) : valloc(size);
		break;
	}
	if (p) {
		w->allocs++;
		memset(p, 1, size > 64 ? 64 : size);
	}
	return p;
}

static void map_op(struct worker *w, uint64_t r)
{
	int i = (int)(r % MAPS);
	size_t page = 4096;

	if (!w->map[i]) {
		size_t len = page * (1 + r % 32);
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			w->map[i] = p;
			w->map_len[i] = len;
			w->allocs++;
		}
	} else if (r % 3 == 0 && w->map_len[i] > page) {
		/* give back the tail: a release of part of the mapping */
		w->map_len[i] -= page;
		munmap((char *)w->map[i] + w->map_len[i], page);
		w->frees++;
	} else if (r % 3 == 1) {
		size_t len = page * (1 + r % 40);
		void *p = mremap(w->map[i], w->map_len[i], len, MREMAP_MAYMOVE);

		if (p != MAP_FAILED) {
			w->map[i] = p;
			w->map_len[i] = len;
			w->allocs++;
			w->frees++;
		}
	} else {
		munmap(w->map[i], w->map_len[i]);
		w->map[i] = NULL;
		w->frees++;
	}
}

static void run(struct worker *w)
{
	for (long op = 0; op < w->ops; op++) {
		uint64_t r = next_rand(&w->seed);
		int i = (int)(r % SLOTS);

		if (w->index == 0 && op == w->ops / 2) {
			pthread_mutex_lock(&fork_lock);
			if (!forked) {
				forked = 1;
				pthread_mutex_unlock(&fork_lock);
				fork_child();
			} else {
				pthread_mutex_unlock(&fork_lock);
			}
		}
		if (r % 64 == 0) {
			map_op(w, r >> 8);
		} else if (!w->slot[i]) {
			w->slot[i] = new_block(w, r >> 8);
		} else if (r % 3 == 0) {
			size_t size = rand_size(&w->seed);
			void *q = realloc(w->slot[i], size);

			if (q) {
				w->allocs++;
				w->frees++;
				w->slot[i] = q;
			} else if (size == 0) {
				w->frees++;
				w->slot[i] = NULL;
			}
		} else {
			free(w->slot[i]);
			w->frees++;
			w->slot[i] = NULL;
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (w->slot[i]) {
			free(w->slot[i]);
			w->frees++;
			w->slot[i] = NULL;
		}
	}
	for (int i = 0; i < MAPS; i++) {
		if (w->map[i]) {
			munmap(w->map[i], w->map_len[i]);
			w->map[i] = NULL;
			w->frees++;
		}
	}
}

static void run_workers(long ops, uint64_t *allocs, uint64_t *frees)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));

	for (int t = 0; t < nthreads; t++) {
		w[t].index = t;
		w[t].ops = ops;
		w[t].seed = 0x9E3779B97F4A7C15ULL * (uint64_t)(t + 1) + (uint64_t)getpid();
		if (pthread_create(&w[t].tid, NULL, thread_main, &w[t])) {
			perror("pthread_create");
			exit(2);
		}
	}
	*allocs = *frees = 0;
	for (int t = 0; t < nthreads; t++) {
		pthread_join(w[t].tid, NULL);
		*allocs += w[t].allocs;
		*frees += w[t].frees;
	}
	free(w);
}

/* One checked process: probe first, then the real run. */
void process_main(void)
{
	uint64_t allocs, frees;
	char line[128];
	int n;
	pid_t probe;

	fflush(stdout);
	probe = fork();
	if (probe == 0) {
		int saved = forked;

		forked = 1;
		run_workers(0, &allocs, &frees);
		forked = saved;
		n = snprintf(line, sizeof(line), "%s-probe %d 0 0\n", role, (int)getpid());
		if (write(1, line, (size_t)n) < 0)
			exit(3);
		exit(0);
	}
	waitpid(probe, NULL, 0);
	run_workers(nops, &allocs, &frees);
	n = snprintf(line, sizeof(line), "%s %d %llu %llu\n", role, (int)getpid(),
		     (unsigned long long)allocs, (unsigned long long)frees);
	if (write(1, line, (size_t)n) < 0)
		exit(3);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: stress THREADS OPS\n");
		return 2;
	}
	nthreads = atoi(argv[1]);
	nops = atol(argv[2]);
	/* allocate the stdio buffer now, in both probe and run alike */
	setvbuf(stdout, NULL, _IONBF, 0);
	process_main();
	return 0;
}
