/*
 * Per-thread "where am I": the selected invocation running on this thread
 * and its current row.  The hook path reads it through attr_lines_delta():
 * one TLS read when nothing is selected, no Python, no lock.
 */
#ifndef ATTR_LINES_H
#define ATTR_LINES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct attr_row {
	int64_t inc;	/* net bytes while the row's line ran */
	int64_t mem;	/* process live bytes after it ran, max */
	uint64_t occ;	/* line events */
};

struct attr_inv;

/*
 * MEMLINE_ASYNC=thread: a thread's net bytes since an invocation first
 * waited on it.  An invocation that waits there (an await, a yield, a
 * greenlet switch) notes the tally, and when it stops waiting -- resumed
 * on whatever thread, closed, or reported at exit -- the difference goes
 * on the line it waited at: the hook adds to one number, however many
 * wait.  Freed when its thread has ended and nothing waits on it.
 */
struct attr_tally {
	_Atomic int64_t net;		/* only its thread writes it */
	_Atomic int refs;		/* its thread's, and each waiter's */
};

struct attr_thread {
	struct attr_inv *top;		/* running selected invocation, or NULL */
	struct attr_tally *tally;	/* MEMLINE_ASYNC=thread, once something
					   waited here */
	int busy;			/* inside memline's own callbacks */
};

/* The hot part of an invocation; the rest is private to tracer.c. */
struct attr_inv_hot {
	struct attr_row *rows;
	int cur;
	int64_t *by_unit;		/* 3.8-3.11, when another tracer took the
					   line events: bytes by code unit */
};

extern __thread struct attr_thread attr_me __attribute__((tls_model("initial-exec")));

void attr_lines_by_unit(struct attr_inv_hot *v, int64_t delta);

/* Adds bytes where the invocation is now. */
static inline void attr_lines_count(struct attr_inv_hot *v, int64_t delta)
{
	if (__builtin_expect(v->by_unit != NULL, 0))
		attr_lines_by_unit(v, delta);
	else
		v->rows[v->cur].inc += delta;
}

static inline void attr_lines_delta(int64_t delta)
{
	struct attr_thread *t = &attr_me;
	struct attr_inv_hot *v = (struct attr_inv_hot *)t->top;

	if (__builtin_expect(v == NULL && t->tally == NULL, 1) || t->busy)
		return;
	if (v)
		attr_lines_count(v, delta);
	if (t->tally)
		atomic_store_explicit(&t->tally->net,
				      atomic_load_explicit(&t->tally->net, memory_order_relaxed) + delta,
				      memory_order_relaxed);
}

/* From preload's constructor: is this process Python?  Resolves the API. */
void attr_python_init(bool python);

/*
 * Called from a hook: the first time the interpreter is seen initialised,
 * schedules memline's set-up with the GIL held.  Afterwards (and in a
 * process that is not Python) one relaxed load of attr_poll_state.
 */
extern __attribute__((visibility("hidden"))) atomic_int attr_poll_state;	/* 0 waiting, 1 scheduled, 2 gave up */
void attr_python_poll_slow(void);

static inline void attr_python_poll(void)
{
	if (__builtin_expect(atomic_load_explicit(&attr_poll_state, memory_order_relaxed) == 0, 0))
		attr_python_poll_slow();
}

#endif
