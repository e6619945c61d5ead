/*
 * Process-wide accounting: exact live bytes, peak, allocation counts.
 * preload/ calls attr_on_alloc/attr_on_free once per event; they never
 * allocate, lock or print, and are safe from any thread.
 */
#ifndef ATTR_ACCOUNT_H
#define ATTR_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

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

void attr_on_alloc(size_t bytes, enum attr_kind kind);
void attr_on_free(size_t bytes, enum attr_kind kind);

/* Heap + anonymous bytes live right now, as this thread knows it (other
 * threads' last < 64 KiB of drift each may not be in it yet). */
int64_t attr_live_now(void);

/* A snapshot; exact when no other thread allocates meanwhile. */
void attr_totals_get(struct attr_totals *out);

#endif
