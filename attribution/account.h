/*
 * Process-wide accounting: exact live bytes, peak, allocation counts.
 * preload/ calls attr_on_alloc/attr_on_free once per event; they never
 * allocate, lock or print, and are safe from any thread.
 */
#ifndef ATTR_ACCOUNT_H
#define ATTR_ACCOUNT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution/lines.h"

enum attr_kind {
	ATTR_HEAP,	/* malloc family, counted by usable size */
	ATTR_ANON,	/* anonymous mappings, counted by page-rounded length */
};

struct attr_totals {
	int64_t heap_live;	/* bytes in live malloc blocks */
	int64_t anon_live;	/* bytes in live anonymous mappings */
	int64_t peak;		/* largest heap_live + anon_live seen (exact while
				   single-threaded; within 64 KiB per thread after) */
	uint64_t allocs;	/* allocation events (realloc counts one) */
	uint64_t frees;		/* release events (realloc counts one) */
};

/*
 * One event.  The common case (a heap block, on a thread that owns its
 * slot) is inline in the hooks; everything else goes to account.c.
 */
static inline void attr_on_alloc(size_t bytes, enum attr_kind kind);
static inline void attr_on_free(size_t bytes, enum attr_kind kind);

/* Heap + anonymous bytes live right now, as this thread knows it (other
 * threads' last < 64 KiB of drift each may not be in it yet). */
int64_t attr_live_now(void);

/* A snapshot; exact when no other thread allocates meanwhile. */
void attr_totals_get(struct attr_totals *out);

/* From preload's constructor: lets threads that end give their slot back. */
void attr_account_init(void);

/* ---- the inline part; private to account.c and the hooks ---- */

/* A thread's counters; only the owner writes it, unless shared. */
struct attr_slot {
	alignas(64) _Atomic uint64_t allocs;
	_Atomic uint64_t frees;
	_Atomic int64_t pending;	/* net bytes not yet in attr_live_total */
	bool shared;			/* the overflow slot: atomic adds */
};

#define ATTR_PUBLISH_BYTES (64 * 1024)

extern __thread struct attr_slot *attr_my_slot __attribute__((tls_model("initial-exec")));
extern __attribute__((visibility("hidden"))) _Atomic int64_t attr_live_total;	/* published bytes */
extern __attribute__((visibility("hidden"))) _Atomic int64_t attr_peak;

/*
 * glibc (2.32+) keeps this true until the process first creates a thread,
 * and never sets it back.  Until then nothing can race us.
 */
extern char __libc_single_threaded;

void attr_on_event_slow(size_t bytes, enum attr_kind kind, bool alloc);

static inline void attr_own_add(_Atomic uint64_t *c)
{
	/* only this thread writes it: a plain add, published relaxed */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* The heap fast path; false when the slow path must do it all. */
static inline __attribute__((always_inline)) bool attr_heap_fast(int64_t delta, bool alloc)
{
	struct attr_slot *s = attr_my_slot;
	int64_t v;

	if (__builtin_expect(s == NULL || s->shared, 0))
		return false;
	if (__libc_single_threaded) {
		v = atomic_load_explicit(&attr_live_total, memory_order_relaxed) + delta;
		atomic_store_explicit(&attr_live_total, v, memory_order_relaxed);
		/* one thread: nobody else can move the peak */
		if (v > atomic_load_explicit(&attr_peak, memory_order_relaxed))
			atomic_store_explicit(&attr_peak, v, memory_order_relaxed);
	} else {
		v = atomic_load_explicit(&s->pending, memory_order_relaxed) + delta;
		if (v >= ATTR_PUBLISH_BYTES || v <= -ATTR_PUBLISH_BYTES)
			return false;	/* time to publish: the slow path does it all */
		atomic_store_explicit(&s->pending, v, memory_order_relaxed);
	}
	attr_own_add(alloc ? &s->allocs : &s->frees);
	attr_lines_delta(delta);
	return true;
}

static inline __attribute__((always_inline)) void attr_on_alloc(size_t bytes, enum attr_kind kind)
{
	if (kind == ATTR_HEAP && attr_heap_fast((int64_t)bytes, true))
		attr_python_poll();
	else
		attr_on_event_slow(bytes, kind, true);
}

static inline __attribute__((always_inline)) void attr_on_free(size_t bytes, enum attr_kind kind)
{
	if (kind != ATTR_HEAP || !attr_heap_fast(-(int64_t)bytes, false))
		attr_on_event_slow(bytes, kind, false);
}

#endif
