/*
 * Live bytes go through one process-wide atomic, so the peak is exact:
 * every event sees the total it produced.  Event counts, which need no
 * ordering, live in per-thread slots written without atomic RMW; threads
 * beyond the slot table share one slot with atomic adds.
 */
#include "attribution/account.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "attribution/lines.h"

#define ATTR_SLOTS 1024

struct slot {
	alignas(64) _Atomic uint64_t allocs;
	_Atomic uint64_t frees;
	bool shared;
};

static struct slot slots[ATTR_SLOTS + 1];	/* the last one is shared */
static atomic_uint slots_used;
static __thread struct slot *my_slot __attribute__((tls_model("initial-exec")));

static _Atomic int64_t live_total;

/*
 * glibc (2.32+) keeps this true until the process first creates a thread,
 * and never sets it back.  Until then no other thread can race us, so the
 * total is updated without a locked instruction: half the cost of a
 * malloc/free pair's accounting in a single-threaded program.
 */
extern char __libc_single_threaded;

static inline int64_t live_add(int64_t delta)
{
	int64_t now;

	if (__libc_single_threaded) {
		now = atomic_load_explicit(&live_total, memory_order_relaxed) + delta;
		atomic_store_explicit(&live_total, now, memory_order_relaxed);
		return now;
	}
	return atomic_fetch_add_explicit(&live_total, delta, memory_order_relaxed) + delta;
}
static _Atomic int64_t anon_live;
static _Atomic int64_t peak;

static struct slot *slot_get(void)
{
	struct slot *s = my_slot;
	unsigned int i;

	if (__builtin_expect(s != NULL, 1))
		return s;
	i = atomic_fetch_add_explicit(&slots_used, 1, memory_order_relaxed);
	if (i < ATTR_SLOTS) {
		s = &slots[i];
	} else {
		s = &slots[ATTR_SLOTS];
		s->shared = true;
	}
	my_slot = s;
	return s;
}

static inline void count(_Atomic uint64_t *c, bool shared)
{
	if (__builtin_expect(shared, 0))
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
	else	/* only this thread writes it: a plain add, published relaxed */
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
				      memory_order_relaxed);
}

static void raise_peak(int64_t now)
{
	int64_t seen = atomic_load_explicit(&peak, memory_order_relaxed);

	while (now > seen &&
	       !atomic_compare_exchange_weak_explicit(&peak, &seen, now, memory_order_relaxed,
						      memory_order_relaxed))
		;
}

void attr_on_alloc(size_t bytes, enum attr_kind kind)
{
	struct slot *s = slot_get();
	int64_t now;

	count(&s->allocs, s->shared);
	if (kind == ATTR_ANON)
		atomic_fetch_add_explicit(&anon_live, (int64_t)bytes, memory_order_relaxed);
	now = live_add((int64_t)bytes);
	if (now > atomic_load_explicit(&peak, memory_order_relaxed))
		raise_peak(now);
	attr_lines_delta((int64_t)bytes);
	attr_python_poll();
}

void attr_on_free(size_t bytes, enum attr_kind kind)
{
	struct slot *s = slot_get();

	count(&s->frees, s->shared);
	if (kind == ATTR_ANON)
		atomic_fetch_sub_explicit(&anon_live, (int64_t)bytes, memory_order_relaxed);
	live_add(-(int64_t)bytes);
	attr_lines_delta(-(int64_t)bytes);
}

int64_t attr_live_now(void)
{
	return atomic_load_explicit(&live_total, memory_order_relaxed);
}

void attr_totals_get(struct attr_totals *out)
{
	unsigned int n = atomic_load_explicit(&slots_used, memory_order_relaxed);

	out->allocs = 0;
	out->frees = 0;
	if (n > ATTR_SLOTS)
		n = ATTR_SLOTS + 1;
	for (unsigned int i = 0; i < n; i++) {
		out->allocs += atomic_load_explicit(&slots[i].allocs, memory_order_relaxed);
		out->frees += atomic_load_explicit(&slots[i].frees, memory_order_relaxed);
	}
	out->anon_live = atomic_load_explicit(&anon_live, memory_order_relaxed);
	out->heap_live = atomic_load_explicit(&live_total, memory_order_relaxed) - out->anon_live;
	out->peak = atomic_load_explicit(&peak, memory_order_relaxed);
}
