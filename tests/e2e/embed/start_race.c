/*
 * An embedder whose own C threads allocate while the main thread runs
 * Py_Initialize, then runs a selected function from a string.  Any thread's
 * allocation can be the one that finds Python up and schedules memline's
 * set-up, which then runs at the main thread's first eval-breaker check:
 * on 3.8 that could be inside importlib's module lock while site was being
 * imported, and start-up failed.
 */
#include <Python.h>
#include <pthread.h>
#include <stdlib.h>

static volatile int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!stop) {
		void *p = malloc(64);

		free(p);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	int rc;

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, churn, NULL) != 0)
			return 2;
	Py_Initialize();
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	rc = PyRun_SimpleString("def work():\n"
				"    a = bytearray(10_000_000)\n"
				"    return len(a)\n"
				"print(work())\n");
	if (Py_FinalizeEx() < 0)
		return 120;
	return rc ? 1 : 0;
}
