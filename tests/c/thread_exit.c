/*
 * Allocations at thread exit (run with MEMLINE_SUMMARY=all).
 *
 *   thread_exit BATCHES PER_BATCH
 *
 * BATCHES times, PER_BATCH threads are created and joined; more than 1024
 * threads in all run memline past its per-thread counter slots.  Each
 * thread allocates (blocks it leaves live, and one it frees that the main
 * thread made), sets two pthread keys -- one past glibc's first 32, whose
 * values live in a second-level block -- and ends by returning or by
 * pthread_exit() from a nested call.  At exit the key destructors free
 * their values and allocate: the first round sets a new value, so glibc
 * calls the destructor a second time, which frees that too and allocates a
 * block that stays live.  The main thread then frees half of the blocks
 * the exited threads left.
 *
 * First a probe is forked while single-threaded: it runs the same threads
 * with the same keys (set to a dummy value) but none of the known work, so
 * its summary is the baseline.  It prints "probe PID"; the process prints
 * "held PID HEAP ANON ALLOCS FREES" for the summary to match exactly.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NKEYS 40

struct job {
	int index, work;
	void *from_main;	/* made by the main thread, freed by this one */
	void *left;		/* left live by the thread */
	void *late;		/* made by the second destructor round */
	int rounds;
	long long heap, allocs, frees;
};

static pthread_key_t keys[NKEYS];
static char dummy;
static __thread struct job *current;

static void *keep(struct job *j, void *p)
{
	if (!p)
		abort();
	j->heap += (long long)malloc_usable_size(p);
	j->allocs++;
	return p;
}

static void release(struct job *j, void *p)
{
	j->heap -= (long long)malloc_usable_size(p);
	j->frees++;
	free(p);
}

static void destructor(void *value)
{
	struct job *j = current;

	if (value == &dummy)
		return;
	release(j, value);
	if (j->rounds++ == 0) {
		/* a new value: glibc runs the destructors again */
		pthread_setspecific(keys[NKEYS - 1], keep(j, malloc(200)));
	} else {
		j->late = keep(j, malloc(300 + (size_t)j->index % 7));
	}
}

static void key_destructor_first(void *value)
{
	struct job *j = current;

	if (value == &dummy)
		return;
	release(j, value);
	keep(j, calloc(1, 48));	/* leaked on purpose: still live at exit */
}

static __attribute__((noinline)) void leave(struct job *j)
{
	if (j->index % 2)
		pthread_exit(NULL);
}

static void *thread_main(void *arg)
{
	struct job *j = arg;

	current = j;
	if (j->work) {
		j->left = keep(j, malloc(100 + (size_t)j->index % 50));
		release(j, j->from_main);
		pthread_setspecific(keys[0], keep(j, calloc(3, 40)));
		pthread_setspecific(keys[NKEYS - 1], keep(j, malloc(64)));
	} else {
		pthread_setspecific(keys[0], &dummy);
		pthread_setspecific(keys[NKEYS - 1], &dummy);
	}
	leave(j);
	return NULL;
}

static void run(int batches, int per_batch, int work, long long *heap, long long *allocs,
		long long *frees)
{
	struct job *jobs = calloc((size_t)per_batch, sizeof(*jobs));
	pthread_t *tids = calloc((size_t)per_batch, sizeof(*tids));
	void **left = calloc(2 * (size_t)batches * (size_t)per_batch, sizeof(*left));
	pthread_attr_t attr;
	int nleft = 0;

	if (!jobs || !tids || !left)
		abort();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	*heap = *allocs = *frees = 0;
	for (int b = 0; b < batches; b++) {
		for (int t = 0; t < per_batch; t++) {
			struct job *j = &jobs[t];

			memset(j, 0, sizeof(*j));
			j->index = b * per_batch + t;
			j->work = work;
			if (work) {
				j->from_main = malloc(32);
				(*allocs)++;
				*heap += (long long)malloc_usable_size(j->from_main);
			}
			if (pthread_create(&tids[t], &attr, thread_main, j)) {
				perror("pthread_create");
				exit(2);
			}
		}
		for (int t = 0; t < per_batch; t++) {
			struct job *j = &jobs[t];

			pthread_join(tids[t], NULL);
			*heap += j->heap;
			*allocs += j->allocs;
			*frees += j->frees;
			if (work && j->rounds != 2) {
				fprintf(stderr, "thread %d: destructor ran %d times\n", j->index,
					j->rounds);
				exit(1);
			}
			if (j->left)
				left[nleft++] = j->left;
			if (j->late)
				left[nleft++] = j->late;
		}
	}
	/* the main thread frees every other block the dead threads left */
	for (int i = 0; i < nleft; i += 2) {
		*heap -= (long long)malloc_usable_size(left[i]);
		(*frees)++;
		free(left[i]);
	}
	pthread_attr_destroy(&attr);
	free(left);
	free(tids);
	free(jobs);
}

static void *exit_early(void *arg)
{
	pthread_exit(arg);
}

/*
 * glibc loads its unwinder (libgcc_s) the first time a thread calls
 * pthread_exit, with allocations that vary with timing: do it once before
 * the probe is forked, so that both runs start with it loaded.
 */
static void warm_up(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, exit_early, NULL) || pthread_join(t, NULL))
		exit(2);
}

int main(int argc, char **argv)
{
	long long heap, allocs, frees;
	char line[160];
	int n, status;
	pid_t probe;

	if (argc != 3) {
		fprintf(stderr, "usage: thread_exit BATCHES PER_BATCH\n");
		return 2;
	}
	for (int k = 0; k < NKEYS; k++)
		if (pthread_key_create(&keys[k], k == 0 ? key_destructor_first : destructor))
			return 2;
	warm_up();
	probe = fork();
	if (probe < 0)
		return 2;
	if (probe == 0) {
		run(atoi(argv[1]), atoi(argv[2]), 0, &heap, &allocs, &frees);
		n = snprintf(line, sizeof(line), "probe %d\n", (int)getpid());
		if (write(1, line, (size_t)n) != n)
			return 3;
		exit(0);
	}
	if (waitpid(probe, &status, 0) != probe || status != 0)
		return 4;
	run(atoi(argv[1]), atoi(argv[2]), 1, &heap, &allocs, &frees);
	n = snprintf(line, sizeof(line), "held %d %lld 0 %lld %lld\n", (int)getpid(), heap, allocs,
		     frees);
	if (write(1, line, (size_t)n) != n)
		return 3;
	return 0;
}
