/*
 * Threads that Python did not make: run_threads(cb, n, calls) starts n
 * pthreads, each calling cb(i) `calls` times (ctypes makes a thread state
 * for each call and drops it after), waits for them and returns the sum
 * of what cb returned.  For ctypes callbacks on foreign threads.
 */
#include <pthread.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

typedef int (*callback)(int);

struct job {
	pthread_t id;
	callback cb;
	int first, calls, sum;
};

static void *work(void *arg)
{
	struct job *j = arg;

	for (int k = 0; k < j->calls; k++)
		j->sum += j->cb(j->first + k);
	return NULL;
}

EXPORT int run_threads(callback cb, int n, int calls)
{
	struct job *jobs = calloc((size_t)n, sizeof(*jobs));
	int sum = 0, started = 0;

	if (!jobs)
		return -1;
	for (; started < n; started++) {
		jobs[started] = (struct job){ .cb = cb, .first = started * calls, .calls = calls };
		if (pthread_create(&jobs[started].id, NULL, work, &jobs[started]))
			break;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(jobs[i].id, NULL);
		sum += jobs[i].sum;
	}
	free(jobs);
	return started == n ? sum : -1;
}
