#include <criterion/criterion.h>
#include <pthread.h>

#include "attribution/account.h"

Test(account, alloc_free_and_peak)
{
	struct attr_totals a, b;

	attr_totals_get(&a);
	attr_on_alloc(1000, ATTR_HEAP);
	attr_on_alloc(8192, ATTR_ANON);
	attr_on_free(1000, ATTR_HEAP);
	attr_totals_get(&b);
	cr_assert_eq(b.heap_live - a.heap_live, 0);
	cr_assert_eq(b.anon_live - a.anon_live, 8192);
	cr_assert_eq(b.allocs - a.allocs, 2);
	cr_assert_eq(b.frees - a.frees, 1);
	cr_assert_geq(b.peak, a.heap_live + a.anon_live + 9192);
	attr_on_free(8192, ATTR_ANON);
	cr_assert_eq(attr_live_now(), a.heap_live + a.anon_live);
}

static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		attr_on_alloc(64, ATTR_HEAP);
		attr_on_free(64, ATTR_HEAP);
	}
	return NULL;
}

Test(account, threads_count_every_event)
{
	enum { N = 16 };	/* more than one per slot test, fewer than the table */
	pthread_t t[N];
	struct attr_totals a, b;

	attr_totals_get(&a);
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	attr_totals_get(&b);
	cr_assert_eq(b.allocs - a.allocs, N * 100000);
	cr_assert_eq(b.frees - a.frees, N * 100000);
	cr_assert_eq(b.heap_live, a.heap_live);
}

static pthread_barrier_t held, done;

static void *hold_below_publishing(void *arg)
{
	(void)arg;
	attr_on_alloc(60000, ATTR_HEAP);	/* under PUBLISH_BYTES: pending */
	pthread_barrier_wait(&held);
	pthread_barrier_wait(&done);
	attr_on_free(60000, ATTR_HEAP);
	return NULL;
}

/* The summary said peak below live at exit (50 threads each holding a
 * little less than they publish): the peak is at least what is live. */
Test(account, peak_is_never_below_live)
{
	enum { N = 8 };
	pthread_t t[N];
	struct attr_totals now;

	pthread_barrier_init(&held, NULL, N + 1);
	pthread_barrier_init(&done, NULL, N + 1);
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, hold_below_publishing, NULL);
	pthread_barrier_wait(&held);
	attr_totals_get(&now);
	cr_assert_geq(now.peak, now.heap_live + now.anon_live, "peak %lld, live %lld",
		      (long long)now.peak, (long long)(now.heap_live + now.anon_live));
	pthread_barrier_wait(&done);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
}
