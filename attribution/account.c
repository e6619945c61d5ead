/*
 * Exact live bytes without a shared cache line on the hot path.
 *
 * Each thread owns a slot: its event counts and its "pending" bytes, the
 * part of its net allocation not yet added to the process-wide total.
 * Only the owner writes a slot (plain loads and stores, published
 * relaxed), so threads never contend; the total is published every
 * PUBLISH_BYTES of drift, for every anonymous mapping, and on every event
 * while the process is single-threaded.  Live bytes (the total plus every
 * slot's pending bytes) are therefore exact at any quiescent moment; the
 * peak is exact while the process has one thread, and within
 * PUBLISH_BYTES per thread once it has several.  A thread that ends
 * publishes its pending bytes and gives its slot back (a thread-specific
 * key's destructor); threads beyond the slot table share one slot with
 * atomic adds and publish every event.
 */
#include "attribution/account.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "attribution/lines.h"

#define ATTR_SLOTS 1024

static struct attr_slot slots[ATTR_SLOTS + 1];	/* the last one is shared */
static atomic_uint slots_used;
static _Atomic uint64_t slots_free[ATTR_SLOTS / 64];	/* given back by threads that ended */
static pthread_key_t slot_key;
static bool slot_key_ok;
__thread struct attr_slot *attr_my_slot __attribute__((tls_model("initial-exec")));

_Atomic int64_t attr_live_total;
static _Atomic int64_t anon_live;
_Atomic int64_t attr_peak;

static void raise_peak(int64_t now);

/* A slot a thread that ended gave back, or NULL. */
static struct attr_slot *slot_reuse(void)
{
	for (unsigned int w = 0; w < ATTR_SLOTS / 64; w++) {
		uint64_t bits = atomic_load_explicit(&slots_free[w], memory_order_relaxed);

		while (bits) {
			uint64_t bit = bits & -bits;

			if (atomic_compare_exchange_weak_explicit(&slots_free[w], &bits, bits & ~bit,
								  memory_order_acquire,
								  memory_order_relaxed))
				return &slots[w * 64 + (unsigned int)__builtin_ctzll(bit)];
		}
	}
	return NULL;
}

static struct attr_slot *slot_get(void)
{
	struct attr_slot *s = attr_my_slot;
	unsigned int i;

	if (__builtin_expect(s != NULL, 1))
		return s;
	s = slot_key_ok ? slot_reuse() : NULL;
	if (!s) {
		i = atomic_fetch_add_explicit(&slots_used, 1, memory_order_relaxed);
		s = i < ATTR_SLOTS ? &slots[i] : NULL;
	}
	if (s && slot_key_ok) {
		pthread_setspecific(slot_key, s);	/* never allocates: see attr_account_init */
	} else if (!s) {
		s = &slots[ATTR_SLOTS];
		s->shared = true;
	}
	attr_my_slot = s;
	return s;
}

/*
 * A thread ends (its thread-specific data is destroyed): its pending bytes
 * join the total -- else they would be missing from every thread's view of
 * live bytes for good -- and its slot is given back.  What the thread still
 * frees or allocates after this counts through the shared slot.
 */
static void slot_release(void *arg)
{
	struct attr_slot *s = arg, *shared = &slots[ATTR_SLOTS];
	int64_t p = atomic_load_explicit(&s->pending, memory_order_relaxed), total;
	unsigned int i = (unsigned int)(s - slots);

	shared->shared = true;
	attr_my_slot = shared;
	atomic_store_explicit(&s->pending, 0, memory_order_relaxed);
	total = atomic_fetch_add_explicit(&attr_live_total, p, memory_order_relaxed) + p;
	raise_peak(total);
	atomic_fetch_or_explicit(&slots_free[i / 64], (uint64_t)1 << (i % 64), memory_order_release);
}

/*
 * glibc keeps the values of the first 32 keys (PTHREAD_KEY_2NDLEVEL_SIZE)
 * in the thread's descriptor, so that setting them never allocates; a key
 * past those would, inside a hook, so it is not used (threads then keep
 * their slots, as before).
 */
void attr_account_init(void)
{
	if (pthread_key_create(&slot_key, slot_release) != 0)
		return;
	if (slot_key < 32)
		slot_key_ok = true;
	else
		pthread_key_delete(slot_key);
}

static void raise_peak(int64_t now)
{
	int64_t seen = atomic_load_explicit(&attr_peak, memory_order_relaxed);

	while (now > seen &&
	       !atomic_compare_exchange_weak_explicit(&attr_peak, &seen, now, memory_order_relaxed,
						      memory_order_relaxed))
		;
}

/* Adds delta to the total now, or to this thread's pending bytes. */
static void live_add(struct attr_slot *s, int64_t delta, bool now)
{
	int64_t p, total;

	if (__libc_single_threaded) {
		total = atomic_load_explicit(&attr_live_total, memory_order_relaxed) + delta;
		atomic_store_explicit(&attr_live_total, total, memory_order_relaxed);
	} else {
		p = atomic_load_explicit(&s->pending, memory_order_relaxed) + delta;
		if (!now && !s->shared && p < ATTR_PUBLISH_BYTES && p > -ATTR_PUBLISH_BYTES) {
			atomic_store_explicit(&s->pending, p, memory_order_relaxed);
			return;
		}
		if (!s->shared)
			atomic_store_explicit(&s->pending, 0, memory_order_relaxed);
		else
			p = delta;
		total = atomic_fetch_add_explicit(&attr_live_total, p, memory_order_relaxed) + p;
	}
	if (total > atomic_load_explicit(&attr_peak, memory_order_relaxed))
		raise_peak(total);
}

/* Everything attr_heap_fast() leaves: first event of a thread, the shared
 * slot, publishing, anonymous mappings. */
void attr_on_event_slow(size_t bytes, enum attr_kind kind, bool alloc)
{
	struct attr_slot *s = slot_get();
	_Atomic uint64_t *c = alloc ? &s->allocs : &s->frees;
	int64_t delta = alloc ? (int64_t)bytes : -(int64_t)bytes;

	if (__builtin_expect(s->shared, 0))
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
	else
		attr_own_add(c);
	if (kind == ATTR_ANON)
		atomic_fetch_add_explicit(&anon_live, delta, memory_order_relaxed);
	live_add(s, delta, kind == ATTR_ANON);
	attr_lines_delta(delta);
	if (alloc)
		attr_python_poll();
}

/* The published total plus this thread's pending bytes. */
int64_t attr_live_now(void)
{
	struct attr_slot *s = attr_my_slot;
	int64_t total = atomic_load_explicit(&attr_live_total, memory_order_relaxed);

	if (s && !s->shared)
		total += atomic_load_explicit(&s->pending, memory_order_relaxed);
	return total;
}

void attr_totals_get(struct attr_totals *out)
{
	unsigned int n = atomic_load_explicit(&slots_used, memory_order_relaxed);

	int64_t pending = 0;

	out->allocs = 0;
	out->frees = 0;
	if (n > ATTR_SLOTS)
		n = ATTR_SLOTS;
	for (unsigned int i = 0; i <= ATTR_SLOTS; i++) {
		if (i == n)
			i = ATTR_SLOTS;		/* the shared one, always */
		out->allocs += atomic_load_explicit(&slots[i].allocs, memory_order_relaxed);
		out->frees += atomic_load_explicit(&slots[i].frees, memory_order_relaxed);
		pending += atomic_load_explicit(&slots[i].pending, memory_order_relaxed);
	}
	out->anon_live = atomic_load_explicit(&anon_live, memory_order_relaxed);
	out->heap_live = atomic_load_explicit(&attr_live_total, memory_order_relaxed) + pending -
			 out->anon_live;
	out->peak = atomic_load_explicit(&attr_peak, memory_order_relaxed);
	/* threads' pending bytes reach the peak only when published: the
	 * peak is at least what is live now, a moment the process reached */
	if (out->peak < out->heap_live + out->anon_live)
		out->peak = out->heap_live + out->anon_live;
}
