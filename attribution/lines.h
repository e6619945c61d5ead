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
struct attr_wait;

struct attr_thread {
	struct attr_inv *top;		/* running selected invocation, or NULL */
	struct attr_wait *waiting;	/* MEMLINE_ASYNC=thread: suspended here */
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

void attr_lines_waiting(int64_t delta);
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

	if (__builtin_expect(v == NULL && t->waiting == NULL, 1) || t->busy)
		return;
	if (v)
		attr_lines_count(v, delta);
	if (t->waiting)
		attr_lines_waiting(delta);
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
