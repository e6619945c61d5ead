/*
 * Line attribution: getting into the interpreter, noticing selected
 * functions start, run lines, suspend, resume and finish, and turning a
 * finished invocation into a report.  Everything here runs with the GIL
 * held, from CPython's callbacks, except attr_python_poll(), which runs
 * on the hook path, and a thread's end (tally_release).
 *
 * Back-ends, each noticing entries and exits of selected functions:
 *   3.12+   sys.monitoring: PY_START globally (DISABLE for every code
 *           object that is not selected), PY_UNWIND and PY_THROW globally,
 *           and LINE, JUMP, PY_RETURN, PY_YIELD, PY_RESUME on selected code.
 *   3.8-10  a PEP 523 frame-evaluation function (per interpreter, so every
 *           thread) that compares the frame's code with the selected ones
 *           and chains to the one it replaced.
 *   3.11    the same PEP 523 hook, given 3.11's _PyInterpreterFrame.  It
 *           switches off the inlined Python-to-Python calls, so each Python
 *           call takes C stack as on 3.10: when a thread's C stack runs
 *           low the hook removes itself and line reports stop (a notice
 *           says so) rather than risk overflowing it.  If the hook cannot
 *           be installed, a C profile function in every thread instead.
 * Before 3.12 line events come from a C trace function that is on only
 * while a selected invocation runs on the thread.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
/* uthash's default answer to running out of memory is exit(-1): in the
 * program's process.  Non-fatal, an add that cannot be made is not made,
 * and hash_oomed says so. */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(obj) (hash_oomed = true)
static bool hash_oomed;
/* Every key here is a pointer: Fibonacci hashing of its value (uthash's
 * default hashes its bytes one by one) */
#define HASH_FUNCTION(keyptr, keylen, hashv)                                     \
	do {                                                                     \
		uintptr_t key_;                                                  \
		(void)(keylen);                                                  \
		memcpy(&key_, (keyptr), sizeof(key_));                           \
		(hashv) = (unsigned)((key_ * UINT64_C(0x9E3779B97F4A7C15)) >> 32); \
	} while (0)
#include <uthash.h>

#include "attribution/account.h"
#include "attribution/config.h"
#include "attribution/lines.h"
#include "attribution/pyapi.h"
#include "attribution/python.h"
#include "attribution/stack.h"
#include "output/format.h"
#include "output/report.h"
#include "output/sink.h"

#define P attr_py

__thread struct attr_thread attr_me __attribute__((tls_model("initial-exec")));

struct code_info {
	PyObject *code;			/* strong reference if selected (or if
					   CPython cannot say when it dies) */
	bool selected, generator, have_source, local_events;
	bool async_gen;			/* an async generator function's */
	PyObject *co_code;		/* bytes, for suspension checks (< 3.12) */
	PyObject *filename, *texts;	/* str, list of str */
	int32_t *unit_lines;		/* 3.12+: the line of each code unit */
	uint8_t *send_units;		/* generators: the code units of each
					   yield from and await (send_units) */
	ssize_t nsend_units;		/* -1: not asked yet */
	ssize_t nunits;
	int first, nrows;
	int lost;			/* calls not reported for want of C stack,
					   not said yet */
	uint16_t *hits;			/* selected: the selectors that select it,
					   marked matched at its first run */
	int nhits;
	PyObject *ref;			/* 3.8-3.11, unselected: weak reference */
	UT_hash_handle hh, hh_ref;
};

struct attr_inv {
	struct attr_inv_hot hot;	/* first: attr_lines_delta() reads it */
	struct code_info *ci;
	PyObject *frame;		/* key; a strong reference if frame_held */
	void *iframe;			/* 3.12+: its _PyInterpreterFrame */
	int64_t pushed_sum;		/* sum of increments when pushed */
	struct attr_inv *below;		/* the thread's stack of running ones */
	struct attr_tally *wait_tally;	/* MEMLINE_ASYNC=thread: of the thread
					   it waits on, */
	int64_t wait_base;		/* as it was when it began to */
	struct attr_inv *prev_all, *next_all;
	PyObject *gen_ref;		/* 3.8-3.10, 3.13+: weak reference to its
					   generator */
	bool suspended, line_seen, frame_held;
	bool dying;			/* its generator is being finalized */
	bool hooked;			/* dying: an async generator handed to
					   its event loop's finalizer hook */
	PyObject *gen_hold;		/* its generator, held while a hook's
					   close runs it (see hook_closing) */
	PyObject *hook_code;		/* hooked: the hook's code, if Python */
	uint8_t susp_hash;		/* SUSP_HASHED, SUSP_UNHASHED or 0 */
	UT_hash_handle hh_susp;		/* suspended_by_frame */
	bool gap;			/* 3.11 eval hook: CPython's frame-object
					   work around the call (gap_open) */
	int gap_row;			/* the row it landed on, */
	int64_t gap_base;		/* with this increment before */
	ssize_t nunits;			/* of hot.by_unit */
	bool frame_gone;		/* 3.11 eval hook: its frame has returned
					   and is popped (maybe its stack chunk
					   unmapped): not to be read again */
	PyObject *greenlet;		/* the greenlet it runs in (identity), or
					   NULL: before memline saw a switch */
	struct attr_inv *next_parked;	/* a parked stack's top: the next one */
	struct attr_inv *outer;		/* a generator started inside a running
					   call of its own function: that call,
					   while it lives (see nested_start) */
};
#define FO_IFRAME 24		/* 3.12+ PyFrameObject.f_frame */
static size_t f_lasti_off;		/* 3.8-3.10 PyFrameObject.f_lasti: 104 on
					   3.8/3.9, 96 on 3.10; f_gen is before */

static struct code_info *codes;

/* A direct-mapped cache in front of the hash: the eval hook asks on every
 * call of every Python function (3.8-3.11).  One entry holds the key and
 * the answer, so that a hit reads one cache line: the code_info's address
 * with bit 0 set when the code is selected. */
#define CODE_CACHE_BITS 13
static struct {
	PyObject *code;
	uintptr_t tagged;
} code_cache[1 << CODE_CACHE_BITS];

/* Fibonacci hashing: code objects sit at all sorts of strides */
static inline unsigned code_slot(PyObject *code)
{
	return (unsigned)(((uintptr_t)code * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - CODE_CACHE_BITS));
}

/* What the cache holds for a code_info (0: not met yet). */
static inline uintptr_t tag(struct code_info *ci)
{
	return ci ? (uintptr_t)ci | ci->selected : 0;
}

static __attribute__((noinline)) uintptr_t code_tagged_slow(PyObject *code, unsigned i)
{
	struct code_info *ci;

	HASH_FIND_PTR(codes, &code, ci);
	if (!ci)
		return 0;
	code_cache[i].code = code;
	code_cache[i].tagged = tag(ci);
	return code_cache[i].tagged;
}

/* The code's code_info (tagged), or 0 if memline has not met it yet. */
static inline __attribute__((always_inline)) uintptr_t code_tagged(PyObject *code)
{
	unsigned i = code_slot(code);

	if (__builtin_expect(code_cache[i].code == code, 1))
		return code_cache[i].tagged;
	return code_tagged_slow(code, i);
}

static inline struct code_info *untag(uintptr_t tagged)
{
	return (struct code_info *)(tagged & ~(uintptr_t)1);
}

static inline struct code_info *code_cached(PyObject *code)
{
	return untag(code_tagged(code));
}
static struct attr_inv *all_invs;	/* every unfinished invocation */
static int nested_live;			/* how many of them have an outer */
/* The suspended ones, by frame (resume looks one up at every resumption
 * of a selected generator or coroutine: thousands may wait at once), how
 * many there are (orphans aside), and how many of them the hash could not
 * take (out of memory). */
static struct attr_inv *suspended_by_frame;
static int suspended_n, suspended_unhashed;
enum { SUSP_HASHED = 1, SUSP_UNHASHED };
static struct attr_config cfg;
static PyObject *boot;			/* the _memline module's dict */
static PyObject *select_fn, *disable;	/* 3.12+ */
static bool out_file_failed;	/* the report file could not be opened: stderr */
atomic_int attr_poll_state;
static bool finalizing;	/* the at-exit reports are out */

/*
 * 3.11 with the eval hook: an invocation is keyed by its interpreter frame
 * (the hook never sees a frame object), which a frame object points to;
 * the key is not a reference.  Otherwise the frame object, referenced.
 */
static bool frames_are_keys;
#define PYFRAME_F_FRAME 24	/* 3.11 PyFrameObject.f_frame */
#define IF_OWNER 69		/* 3.11 _PyInterpreterFrame.owner: 1 =
				   FRAME_OWNED_BY_GENERATOR */
#define GEN_IFRAME 80		/* 3.11 PyGenObject.gi_iframe */

static inline PyObject *frame_key(PyFrameObject *frame)
{
	if (frames_are_keys)
		return *(PyObject **)((char *)frame + PYFRAME_F_FRAME);
	return (PyObject *)frame;
}

enum { CO_GENERATOR = 0x20, CO_COROUTINE = 0x80, CO_ASYNC_GENERATOR = 0x200 };
enum { OP_YIELD_VALUE = 86, OP_YIELD_FROM = 72, OP_RETURN_VALUE = 83 };	/* 3.8-3.11 */

/* ---- helpers (GIL held) ---- */

/*
 * Room above the program's recursion limit for memline's own Python, which
 * runs wherever the program is: a selected function called 3 frames below
 * the limit must still be matched, read and reported, and memline's frames
 * must neither raise the program's RecursionError nor leave 3.8/3.9's
 * "overflowed" flag (50 frames of grace after a RecursionError) changed.
 * This thread's own count is moved, and put back after: the limit, which
 * every thread shares, is not touched.  PyThreadState offsets from each
 * version's headers: 3.8-3.10 recursion_depth 32 (3.8/3.9 overflowed 36),
 * 3.11 recursion_remaining 32, 3.12 py_recursion_remaining 28, 3.13 44.
 */
enum { OWN_ROOM = 200 };

struct own_room {
	int *count;
	int by;
	char *overflowed, was;
};

static void room_open(struct own_room *r)
{
	static const int count_at[] = { [8] = 32, [9] = 32, [10] = 32, [11] = 32, [12] = 28,
					[13] = 44 };
	char *t = P.PyThreadState_Get();

	r->count = NULL;
	r->overflowed = NULL;
	if (!t || P.minor < 8 || P.minor > 13)
		return;
	if (P.minor <= 9) {
		r->overflowed = t + 36;
		r->was = *r->overflowed;
	}
	r->count = (int *)(t + count_at[P.minor]);
	r->by = P.minor <= 10 ? -OWN_ROOM : OWN_ROOM;	/* a depth, or what is left */
	*r->count += r->by;
}

static void room_close(struct own_room *r)
{
	if (r->count)
		*r->count -= r->by;
	if (r->overflowed)
		*r->overflowed = r->was;
}

struct saved_error {
	PyObject *type, *value, *tb;
	struct own_room room;
};

static void enter(struct saved_error *e)
{
	attr_me.busy++;
	room_open(&e->room);
	P.PyErr_Fetch(&e->type, &e->value, &e->tb);
}

static void settle_error(const char *where, bool say);

static void leave(struct saved_error *e)
{
	settle_error("work", false);
	P.PyErr_Restore(e->type, e->value, e->tb);
	room_close(&e->room);
	attr_me.busy--;
}

/*
 * The thread's "tracing" count, which CPython raises while a tracer runs:
 * no trace or profile callback (nor sys.monitoring event) meanwhile.
 * 3.11+ have a call for it; before, PyThreadState.tracing is the int at
 * offset 44 (3.8-3.10 headers).
 */
static void tracing_count(void *ts, bool up)
{
	if (P.PyThreadState_EnterTracing && P.PyThreadState_LeaveTracing)
		(up ? P.PyThreadState_EnterTracing : P.PyThreadState_LeaveTracing)(ts);
	else
		*(int *)((char *)ts + 44) += up ? 1 : -1;
}

/*
 * memline's own Python (boot.py, and what it runs: imports, the logging
 * sink's handlers): unseen by the program's tracer or profiler, and never
 * an invocation of its own -- with MEMLINE_FUNCTIONS=* the import system's
 * functions are selected, and loading one's source imports.  3.12+ send
 * no monitoring event while the tracing count is up; before, the frame
 * hooks and profile_cb look at own_depth.
 */
static __thread int own_depth __attribute__((tls_model("initial-exec")));

/*
 * Nor does the program's garbage collection run inside it (3.10+): a
 * collection that memline's Python set off would run the program's
 * finalizers and weakref callbacks there, unreported, and free the
 * program's cycles uncounted on the line that ran.  Automatic collection
 * is off meanwhile, as the program left it otherwise; the next collection
 * comes with the program's next allocation, in its own code, as bare.
 */
static __thread bool gc_paused __attribute__((tls_model("initial-exec")));

/*
 * 3.8/3.9 have no PyGC_Disable: the collector's "enabled" flag itself,
 * in _PyRuntime.gc (3.8, offset 344) or PyInterpreterState.gc (3.9, 616),
 * 12 bytes in (the internal headers).  Trusted only if the fields around
 * it read as a collector's at start-up: enabled 0 or 1, the thresholds of
 * the three generations 700, 10 and 10 (gc+40, +64, +88).  Else left
 * alone, and a collection may run inside memline's Python, as before.
 */
static int *gc_enabled_field;

static void gc_field_find(void)
{
	char *gc = NULL;

	if (P.minor == 8)
		gc = dlsym(RTLD_DEFAULT, "_PyRuntime");
	else if (P.minor == 9)
		gc = *(char **)((char *)P.PyThreadState_Get() + 16);	/* .interp */
	if (!gc)
		return;
	gc += P.minor == 8 ? 344 : 616;
	if ((*(int *)(gc + 12) & ~1) == 0 && *(int *)(gc + 40) == 700 &&
	    *(int *)(gc + 64) == 10 && *(int *)(gc + 88) == 10)
		gc_enabled_field = (int *)(gc + 12);
}

static bool gc_pause(void)
{
	bool was;

	if (P.PyGC_Disable)
		return P.PyGC_Disable() == 1;
	if (!gc_enabled_field)
		return false;
	was = *gc_enabled_field == 1;
	*gc_enabled_field = 0;
	return was;
}

/* Threads whose pause holds (gc_paused): a child forked by another
 * thread meanwhile has none of them, and must not stay without collection. */
static atomic_int gc_pause_holders;

static void gc_resume(void)
{
	if (P.PyGC_Enable)
		P.PyGC_Enable();
	else if (gc_enabled_field)
		*gc_enabled_field = 1;
}

/* memline's Python about to run the program's logging handlers: no pause
 * (a handler may switch collection off itself, which resuming would undo) */
static __thread bool gc_no_pause __attribute__((tls_model("initial-exec")));

static void own_python(bool enter_it)
{
	if (enter_it && own_depth == 0 && !gc_no_pause && (gc_paused = gc_pause()))
		atomic_fetch_add(&gc_pause_holders, 1);
	own_depth += enter_it ? 1 : -1;
	tracing_count(P.PyThreadState_Get(), enter_it);
	if (!enter_it && own_depth == 0 && gc_paused) {
		gc_paused = false;
		atomic_fetch_sub(&gc_pause_holders, 1);
		gc_resume();
	}
}

/*
 * Matching a function at its first call: the pause covers the C around
 * memline's Python too (the weakref that watches a code, its co_code, the
 * table entry), where a collection would run the program's finalizers
 * unmatched -- memline is busy -- and so unreported.  *held: this call
 * paused it (own_python's pause inside then finds collection off).
 */
static __thread bool gc_held __attribute__((tls_model("initial-exec")));

static void gc_hold(bool *held)
{
	*held = own_depth == 0 && !gc_no_pause && !gc_held && !gc_paused && gc_pause();
	if (*held) {
		gc_held = true;
		atomic_fetch_add(&gc_pause_holders, 1);
	}
}

static void gc_unhold(bool held)
{
	if (!held)
		return;
	gc_held = false;
	atomic_fetch_sub(&gc_pause_holders, 1);
	gc_resume();
}

/* In a forked child: a pause held by a thread that did not come along. */
static void gc_pause_forked(void)
{
	int mine = gc_paused || gc_held ? 1 : 0;

	if (atomic_load(&gc_pause_holders) > mine) {
		atomic_store(&gc_pause_holders, mine);
		if (!mine)
			gc_resume();
	}
}

/*
 * The program's exception, raised inside memline's Python: a signal
 * handler runs wherever the main thread is when the signal arrives, and
 * that may be inside boot.py (reading a source, the logging sink).  Its
 * exception (KeyboardInterrupt, SystemExit, whatever the handler raises)
 * is the program's: memline hands it back through a pending call, which
 * CPython runs at its next check in the main thread -- in the program's
 * code, where the signal's handler would have run -- and which raises it
 * there.  Told apart from memline's own failures by its kind (not an
 * Exception) or by a frame in its traceback that is not boot.py's.
 */
static unsigned long main_ident;
static PyObject *handed_back[3];	/* type, value, traceback; main thread */

/* Is this traceback entry's frame one of boot.py's? */
static bool tb_is_own(PyObject *tb)
{
	PyObject *frame = P.PyObject_GetAttrString(tb, "tb_frame");
	PyObject *globs = frame ? P.PyObject_GetAttrString(frame, "f_globals") : NULL;
	bool own = globs == boot;

	if (globs)
		P.Py_DecRef(globs);
	if (frame)
		P.Py_DecRef(frame);
	P.PyErr_Clear();
	return own;
}

/* The traceback from its first frame that is not boot.py's (a new
 * reference, or NULL). */
static PyObject *tb_past_own(PyObject *tb)
{
	PyObject *t = tb ? (P.Py_IncRef(tb), tb) : NULL;

	while (t && t != P.none && tb_is_own(t)) {
		PyObject *next = P.PyObject_GetAttrString(t, "tb_next");

		P.Py_DecRef(t);
		t = next;
	}
	P.PyErr_Clear();
	if (t == P.none) {
		P.Py_DecRef(t);
		t = NULL;
	}
	return t;
}

static bool programs_exception(PyObject *type, PyObject *tb)
{
	PyObject *theirs;

	if (!P.PyErr_GivenExceptionMatches(type, P.exc_exception))
		return true;
	theirs = tb_past_own(tb);
	if (theirs)
		P.Py_DecRef(theirs);
	return theirs != NULL;
}

static void drop_fetched(PyObject *t, PyObject *v, PyObject *tb)
{
	PyObject *all[3] = { t, v, tb };

	for (int i = 0; i < 3; i++)
		if (all[i])
			P.Py_DecRef(all[i]);
}

/* Raised as the program would raise it there: chained to the exception
 * being handled, if any. */
static int hand_back(void *arg)
{
	PyObject *t = handed_back[0], *v = handed_back[1], *tb = handed_back[2];

	(void)arg;
	if (!t)
		return 0;
	/* CPython runs pending calls at any check: inside memline's own
	 * Python too (the logging sink), which the exception would end, a
	 * report with it -- the program's code comes after */
	if (own_depth > 0) {
		P.Py_AddPendingCall(hand_back, NULL);
		return 0;
	}
	handed_back[0] = handed_back[1] = handed_back[2] = NULL;
	if (tb && v)
		P.PyException_SetTraceback(v, tb);
	P.PyErr_SetObject(t, v);
	drop_fetched(t, v, tb);
	return -1;
}

/* The exception being raised, taken: normalized, its traceback in it. */
static void fetch_raised(PyObject **t, PyObject **v, PyObject **tb)
{
	P.PyErr_Fetch(t, v, tb);
	P.PyErr_NormalizeException(t, v, tb);
	if (*v && *tb)
		P.PyException_SetTraceback(*v, *tb);
}

/* The exception just raised takes the place of exc, one that was
 * unwinding (borrowed), which becomes its context. */
static void raised_in_place_of(PyObject *exc)
{
	PyObject *t, *v, *tb;

	fetch_raised(&t, &v, &tb);
	if (v && exc && v != exc) {
		P.Py_IncRef(exc);
		P.PyException_SetContext(v, exc);
	}
	P.PyErr_Restore(t, v, tb);
}

/* Takes the program's exception (fetched) to be raised in its code, or
 * says it could not (not the main thread: no signal handler runs there). */
static void hand_back_later(PyObject *t, PyObject *v, PyObject *tb, const char *where)
{
	PyObject *name;

	P.PyErr_NormalizeException(&t, &v, &tb);
	if (P.PyThread_get_thread_ident() == main_ident && handed_back[0] && v && handed_back[1]) {
		/* a second one before the first was raised (two handlers on a
		 * fast timer): it is raised in the first's place, the first as
		 * its context, as when a handler raises while an exception
		 * propagates */
		PyObject *theirs = tb_past_own(tb);

		if (tb)
			P.Py_DecRef(tb);
		P.PyException_SetTraceback(v, theirs ? theirs : P.none);
		P.PyException_SetContext(v, handed_back[1]);	/* takes that reference */
		P.Py_DecRef(handed_back[0]);
		if (handed_back[2])
			P.Py_DecRef(handed_back[2]);
		P.PyErr_Clear();
		handed_back[0] = t;
		handed_back[1] = v;
		handed_back[2] = theirs;
		return;
	}
	if (P.PyThread_get_thread_ident() == main_ident && !handed_back[0] &&
	    P.Py_AddPendingCall(hand_back, NULL) == 0) {
		/* raised in the program's code, as if the handler had run
		 * there: memline's frames are not part of its traceback */
		PyObject *theirs = tb_past_own(tb);

		if (tb)
			P.Py_DecRef(tb);
		if (v)
			P.PyException_SetTraceback(v, theirs ? theirs : P.none);
		P.PyErr_Clear();
		handed_back[0] = t;
		handed_back[1] = v;
		handed_back[2] = theirs;
		return;
	}
	name = P.PyObject_GetAttrString(t, "__name__");
	out_notice("an exception of the program (%s) was raised inside memline's %s and "
		   "could not be handed back", name ? P.PyUnicode_AsUTF8(name) : "?", where);
	if (name)
		P.Py_DecRef(name);
	P.PyErr_Clear();
	drop_fetched(t, v, tb);
}

/* memline's last Python call failed for want of memory or stack: what it
 * was for is asked again next time, not given up for good. */
static bool own_failed_for_now;

/* The error set when memline's work in `where` is done: the program's is
 * handed back; memline's own is printed (say) or dropped (the place that
 * cares has said so already). */
static void settle_error(const char *where, bool say)
{
	PyObject *t, *v, *tb;

	if (!P.PyErr_Occurred())
		return;
	P.PyErr_Fetch(&t, &v, &tb);
	if (P.PyErr_GivenExceptionMatches(t, P.exc_memory)) {
		/* out of memory in memline's work: printing a traceback would
		 * need memory too (and garble stderr); one short line */
		drop_fetched(t, v, tb);
		own_failed_for_now = true;
		if (say)
			out_notice("out of memory in %s; a report may be missing", where);
	} else if (P.exc_recursion && P.PyErr_GivenExceptionMatches(t, P.exc_recursion) &&
		   !programs_exception(t, tb)) {
		/* even with own_room's headroom (a program deep past its limit,
		 * handling its RecursionError): printing it would recurse too */
		drop_fetched(t, v, tb);
		own_failed_for_now = true;
		if (say)
			out_notice("the program's stack was too deep for memline's %s; "
				   "a report may be missing", where);
	} else if (programs_exception(t, tb)) {
		hand_back_later(t, v, tb, where);
	} else if (say) {
		P.PyErr_Restore(t, v, tb);
		out_notice("internal error in %s:", where);
		P.PyErr_Print();
	} else {
		drop_fetched(t, v, tb);
	}
}

/* Calls f, a function of memline's Python, as memline's own work. */
static PyObject *own_call3(PyObject *f, const char *name, const char *fmt, PyObject *a,
			   PyObject *b, PyObject *c)
{
	PyObject *r;
	struct own_room room;

	own_failed_for_now = false;
	room_open(&room);
	own_python(true);
	r = fmt ? P.PyObject_CallFunction(f, fmt, a, b, c) : P.PyObject_CallObject(f, NULL);
	own_python(false);
	room_close(&room);
	if (!r && finalizing)
		P.PyErr_Clear();	/* modules are being torn down: say nothing */
	else if (!r)
		settle_error(name, true);
	return r;
}

static PyObject *own_call(PyObject *f, const char *name, const char *fmt, PyObject *a,
			  PyObject *b)
{
	return own_call3(f, name, fmt, a, b, NULL);
}

/* Calls boot.py's function name with up to three arguments (fmt). */
static PyObject *boot_call3(const char *name, const char *fmt, PyObject *a, PyObject *b,
			    PyObject *c)
{
	PyObject *f = P.PyDict_GetItemString(boot, name);

	return f ? own_call3(f, name, fmt, a, b, c) : NULL;
}

static PyObject *boot_call(const char *name, const char *fmt, PyObject *a, PyObject *b)
{
	return boot_call3(name, fmt, a, b, NULL);
}

/*
 * The frame's code object, borrowed, read from the frame's layout (a call
 * of PyFrame_GetCode() plus a reference pair costs more than the rest of
 * the profile function).  3.8-3.10: PyObject_VAR_HEAD, f_back, f_code.
 * 3.11: PyObject_HEAD, f_back, f_frame -> _PyInterpreterFrame, whose fifth
 * field is f_code.  3.12+ never gets here (sys.monitoring passes the code).
 */
static PyObject *frame_code(PyFrameObject *frame)
{
	PyObject **f = (PyObject **)frame;

	if (P.minor <= 10)
		return f[4];
	return ((PyObject **)f[3])[4];
}

static long attr_long(PyObject *o, const char *name)
{
	PyObject *v = P.PyObject_GetAttrString(o, name);
	long r = v ? P.PyLong_AsLong(v) : -1;

	if (v)
		P.Py_DecRef(v);
	return r;
}

/* ---- room on the C stack for memline's own work ---- */

/*
 * What memline's own work takes of a thread's C stack, measured on
 * 3.8-3.13 (the stack painted below the caller, then scanned): boot.py's
 * match 1.2-1.5 KiB (4.3 on 3.12); a report to stderr, stdout or a file
 * 0.9 KiB; one through the logging sink 2.6-4.6 KiB, 15-30 KiB the first
 * time (it imports logging), and the program's handlers run there too; a
 * function's first source read 5-7.5 KiB (21 on 3.12), 9-11 KiB (26) for
 * the process's first, which compiles reader.py.  Where a thread has less
 * than about twice that left, the work is not done there: a report waits
 * (deferred, below) for a place with room; a first call whose source
 * cannot be read is not reported (one notice); an unknown code is matched
 * at a later call.  Bare CPython can run nearly to the end of a stack;
 * memline's own work must never be what overflows it.
 */
enum {
	ROOM_MATCH = 8 << 10,
	ROOM_REPORT = 8 << 10,
	ROOM_LOGGING = 64 << 10,
	ROOM_SOURCE = 24 << 10,
	ROOM_SOURCE_312 = 56 << 10,	/* 3.12's parser takes more */
};

static bool match_skipped;	/* a code was not looked at: no room */

/*
 * Calls of codes not looked at for want of C stack (the last 32 codes, by
 * address, with no reference: a code freed and another made at its address
 * could be taken for it).  If one turns out selected when it is looked at,
 * those calls were selected calls lost, and are said (lost_say).
 */
enum { SKIPPED_KEPT = 32 };
static struct { PyObject *code; int calls; } skipped[SKIPPED_KEPT];
static unsigned skipped_next;
static int losses;		/* code_infos with lost calls not said yet */

static void skipped_call(PyObject *code)
{
	for (int i = 0; i < SKIPPED_KEPT; i++)
		if (skipped[i].code == code) {
			skipped[i].calls++;
			return;
		}
	skipped[skipped_next % SKIPPED_KEPT].code = code;
	skipped[skipped_next % SKIPPED_KEPT].calls = 1;
	skipped_next++;
}

/* memline's C memory ran out where an invocation starts (0) or is
 * reported (1): the report is lost, said once per process for each. */
static void memory_out(int which, const char *where)
{
	static bool said[2];

	if (!said[which]) {
		said[which] = true;
		out_notice("out of memory in %s; a report may be missing", where);
	}
}

static void lost_calls(struct code_info *ci, int calls)
{
	if (calls <= 0)
		return;
	if (!ci->lost)
		losses++;
	ci->lost += calls;
}

/* A code looked at now: its calls skipped before, taken out of the list. */
static int skipped_calls(PyObject *code)
{
	for (int i = 0; i < SKIPPED_KEPT; i++)
		if (skipped[i].code == code) {
			int n = skipped[i].calls;

			skipped[i].code = NULL;
			return n;
		}
	return 0;
}

static bool room_for(size_t need)
{
	size_t left = attr_stack_left();

	return left == SIZE_MAX || left >= need;
}

static size_t room_report(void)
{
	return cfg.output == ATTR_OUT_LOGGING ? ROOM_LOGGING : ROOM_REPORT;
}

/*
 * An unselected code object is not kept alive (a program that compiles
 * code as it runs would grow without end, and code that expects a code
 * object to die would see it live on): when CPython frees it, its entry
 * goes.  3.12+ say so to a code watcher; before, a weak reference with a
 * callback does (a co_extra slot's free function would not do: CPython
 * calls every tool's free function on every code that has a co_extra).
 * Selected ones are kept: few, and invocations point at them.
 */
static bool code_watcher;
static struct code_info *codes_by_ref;	/* 3.8-3.11, by weak reference */

static void code_forget(struct code_info *ci)
{
	unsigned i = code_slot(ci->code);
	PyObject *ref = ci->ref;

	if (code_cache[i].code == ci->code) {
		code_cache[i].code = NULL;
		code_cache[i].tagged = 0;
	}
	HASH_DEL(codes, ci);
	if (ref)
		HASH_DELETE(hh_ref, codes_by_ref, ci);
	free(ci->send_units);
	free(ci);
	if (ref)
		P.Py_DecRef(ref);	/* last: CPython may be calling us with it */
}

static PyObject *method(const char *name);

static PyObject *py_code_died(PyObject *self, PyObject *ref)
{
	struct code_info *ci;

	(void)self;
	HASH_FIND(hh_ref, codes_by_ref, &ref, sizeof(ref), ci);
	if (ci)
		code_forget(ci);
	P.Py_IncRef(P.none);
	return P.none;
}

/* Before 3.12: a weak reference whose callback forgets the code. */
static bool watch_code(struct code_info *ci)
{
	if (P.minor >= 12)
		return false;
	ci->ref = P.PyWeakref_NewRef(ci->code, method("code_died"));
	if (!ci->ref) {
		P.PyErr_Clear();
		return false;
	}
	hash_oomed = false;
	HASH_ADD(hh_ref, codes_by_ref, ref, sizeof(ci->ref), ci);
	if (hash_oomed) {	/* then the code is kept alive instead */
		P.Py_DecRef(ci->ref);
		ci->ref = NULL;
		return false;
	}
	return true;
}

static int code_event(int event, PyObject *code)
{
	struct code_info *ci;

	if (event != 1)		/* PY_CODE_EVENT_DESTROY */
		return 0;
	HASH_FIND_PTR(codes, &code, ci);
	if (ci && !ci->selected)	/* the others are watched */
		code_forget(ci);
	return 0;
}

static void code_watch_install(void)
{
	if (P.minor >= 12 && P.PyCode_AddWatcher)
		code_watcher = P.PyCode_AddWatcher(code_event) >= 0;
	P.PyErr_Clear();
}

/*
 * code_lookup's func: the function object that runs code, when the frame
 * holds one (3.11+: the interpreter frame's f_func / f_funcobj), so that
 * boot.py need not search the heap for it; checked to be a function.
 */
static PyObject *function_or_none(PyObject *func)
{
	static void *function_type;

	if (!function_type)
		function_type = dlsym(RTLD_DEFAULT, "PyFunction_Type");
	if (func && function_type && ((void **)func)[1] == function_type)
		return func;
	return P.none;
}

/*
 * Which selectors matched, in a page shared with the children of fork
 * (matched_share): at its exit the process names those that matched
 * nothing in it or in its forked children.  A selector has
 * matched when a code it selects first runs (start), not when the code is
 * looked up: 3.8-3.11 also look up a generator's code when the generator
 * is made (3.11) or closed before it ran (3.8-3.10), 3.12+ do not.
 */
#define MATCHED_MAX 4096
static unsigned char *matched_shared;

static void mark_matched(long i)
{
	if (matched_shared && i >= 0 && i < MATCHED_MAX)
		matched_shared[i] = 1;
}

/* The code ran: its selectors have matched. */
static void mark_ran(struct code_info *ci)
{
	for (int i = 0; i < ci->nhits; i++)
		mark_matched(ci->hits[i]);
	free(ci->hits);
	ci->hits = NULL;
	ci->nhits = 0;
}

/* match()'s answer, the indices of the selectors that select the code,
 * kept until it runs (if memory for them is short: matched now). */
static void keep_hits(struct code_info *ci, PyObject *r)
{
	ssize_t n = P.PyTuple_Size(r);	/* -1, an error set: not a tuple */

	if (n <= 0) {
		P.PyErr_Clear();
		return;
	}
	ci->hits = malloc((size_t)n * sizeof(*ci->hits));
	for (ssize_t i = 0; i < n; i++) {
		long at = P.PyLong_AsLong(P.PyTuple_GetItem(r, i));

		if (!ci->hits)
			mark_matched(at);
		else if (at >= 0 && at < MATCHED_MAX)
			ci->hits[ci->nhits++] = (uint16_t)at;
	}
	P.PyErr_Clear();
}

static struct code_info *code_lookup_held(struct code_info *ci, PyObject *code, PyObject *globs,
					  PyObject *func);

static struct code_info *code_lookup(PyObject *code, PyObject *globs, PyObject *func)
{
	struct code_info *ci;
	bool held;

	HASH_FIND_PTR(codes, &code, ci);
	if (ci)
		return ci;
	if (!room_for(ROOM_MATCH)) {
		match_skipped = true;
		skipped_call(code);
		return NULL;	/* asked again at a call with room */
	}
	ci = calloc(1, sizeof(*ci));
	if (!ci)
		return NULL;
	gc_hold(&held);
	ci = code_lookup_held(ci, code, globs, func);
	gc_unhold(held);
	return ci;
}

static struct code_info *code_lookup_held(struct code_info *ci, PyObject *code, PyObject *globs,
					  PyObject *func)
{
	PyObject *r;

	ci->code = code;
	ci->nsend_units = -1;
	/* after the exit reports CPython tears modules down, boot.py's too:
	 * what runs from then on is not asked about (and not selected) */
	r = finalizing ? NULL : boot_call3("match", "OOO", code, globs ? globs : P.none,
						   function_or_none(func));
	if (!r && !finalizing) {	/* no answer (out of memory): ask again next call */
		free(ci);
		P.PyErr_Clear();
		return NULL;
	}
	ci->selected = r && P.PyObject_IsTrue(r) == 1;
	if (ci->selected) {
		keep_hits(ci, r);
		lost_calls(ci, skipped_calls(code));
	} else {
		skipped_calls(code);
	}
	if (r)
		P.Py_DecRef(r);
	P.PyErr_Clear();
	if (ci->selected || !(code_watcher || watch_code(ci))) {
		P.Py_IncRef(code);
	}
	if (ci->selected) {
		long flags = attr_long(code, "co_flags");

		ci->generator = flags > 0 &&
				(flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR));
		ci->async_gen = flags > 0 && (flags & CO_ASYNC_GENERATOR);
		if (P.minor < 12)
			ci->co_code = P.PyObject_GetAttrString(code, "co_code");
	}
	if (P.PyErr_Occurred())
		P.PyErr_Clear();
	hash_oomed = false;
	HASH_ADD_PTR(codes, code, ci);
	if (hash_oomed) {	/* out of memory: undone, asked again next call */
		if (ci->ref) {
			HASH_DELETE(hh_ref, codes_by_ref, ci);
			P.Py_DecRef(ci->ref);
		}
		if (ci->selected || !(code_watcher || ci->ref))
			P.Py_DecRef(code);
		if (ci->co_code)
			P.Py_DecRef(ci->co_code);
		if (ci->lost)
			losses--;
		free(ci->hits);
		free(ci);
		return NULL;
	}
	return ci;
}

/*
 * Reads the function's source lines once.  The Python call may release
 * the GIL (imports, file reads), so another thread can get here meanwhile:
 * both read, the first result stays.
 */
/*
 * The main thread's signals wait in the kernel from the start of memline's
 * work that runs its own Python (a report under the logging sink, the
 * first read of a source) until signals_wait has replaced the program's
 * Python handlers with the noting one: a signal that came meanwhile would
 * be tripped in CPython, and its handler run at memline's first Python
 * line, unreported.  Let through then, it is noted and its handler runs
 * later in the program's code.  The program's logging handlers never run
 * with signals held (a process they start would inherit the mask).  Faults
 * are never held.  Returns true if this call holds them.
 */
static __thread bool signals_held __attribute__((tls_model("initial-exec")));
static __thread sigset_t signals_held_old;

static bool signals_hold(void)
{
	sigset_t all;

	if (signals_held || P.PyThread_get_thread_ident() != main_ident)
		return false;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGSYS);
	sigdelset(&all, SIGABRT);
	signals_held = pthread_sigmask(SIG_BLOCK, &all, &signals_held_old) == 0;
	return signals_held;
}

/* Lets them through (if not already: signals_wait does once its handlers
 * are in place). */
static void signals_let_go(void)
{
	if (!signals_held)
		return;
	signals_held = false;
	pthread_sigmask(SIG_SETMASK, &signals_held_old, NULL);
}

static PyObject *signals_wait(void);
static void signals_resume(PyObject *waiting);

static bool load_source(struct code_info *ci)
{
	PyObject *r, *texts, *waiting;
	bool again;

	if (ci->texts)
		return true;
	if (ci->have_source)
		return false;	/* tried and failed */
	/* the first read makes memline's reader (some 10 ms): a signal
	 * handler's exception would end it, and a program retrying on a fast
	 * timer would never see a call through (signals_wait) */
	waiting = signals_wait();
	r = boot_call("source", "(O)", ci->code, NULL);
	/* a signal handler's exception, or no memory or stack for now: try
	 * again next call (asked before signals_resume, itself a call) */
	again = !r && (handed_back[0] || own_failed_for_now);
	signals_resume(waiting);
	if (ci->texts || ci->have_source) {
		if (r)
			P.Py_DecRef(r);
		return ci->texts != NULL;
	}
	if (again)
		return false;
	ci->have_source = true;
	if (!r)
		return false;
	texts = P.PyTuple_GetItem(r, 2);
	if (!texts || P.PyList_Size(texts) < 1) {
		P.Py_DecRef(r);
		return false;
	}
	ci->filename = P.PyTuple_GetItem(r, 0);
	ci->first = (int)P.PyLong_AsLong(P.PyTuple_GetItem(r, 1));
	ci->nrows = (int)P.PyList_Size(texts);
	P.Py_IncRef(ci->filename);
	P.Py_IncRef(texts);
	ci->texts = texts;
	P.Py_DecRef(r);
	return true;
}

static int64_t rows_sum(const struct attr_inv *v)
{
	int64_t s = 0;

	for (int i = 0; i < v->ci->nrows; i++)
		s += v->hot.rows[i].inc;
	if (v->hot.by_unit)
		for (ssize_t u = 0; u < v->nunits; u++)
			s += v->hot.by_unit[u];
	return s;
}

static void note_mem(struct attr_inv *v)
{
	int64_t now = attr_live_now();
	struct attr_row *r = &v->hot.rows[v->hot.cur];

	if (v->hot.by_unit)	/* the row is not where the frame is */
		return;
	if (now > r->mem)
		r->mem = now;
}

/*
 * 3.8-3.11: when the program's own tracer (coverage, pdb, a sys.settrace
 * of its own) holds the thread's trace function, memline gets no line
 * events: it never takes the tracer's place.  Its bytes then count by the
 * code unit the frame is at, read from the frame as CPython reads f_lineno
 * (3.8/3.9 f_lasti: a byte offset; 3.10: a unit index; 3.11: the
 * interpreter frame's prev_instr against the code's co_code_adaptive, at
 * 184 in 3.11's headers), and become lines when the report is made.
 */
#define IF_PREV_INSTR 56	/* 3.11 _PyInterpreterFrame.prev_instr */
#define CO_CODE_ADAPTIVE 184	/* 3.11 PyCodeObject.co_code_adaptive */

/* The unit a 3.8-3.10 frame object or a 3.11 interpreter frame is at, and
 * its code (PyFrameObject.f_code: the fifth pointer; 3.11 IF_CODE 32). */
static ssize_t unit_of(const char *f, PyObject **code)
{
	int lasti;

	if (P.minor == 11) {
		const char *prev = *(const char *const *)(f + IF_PREV_INSTR);

		*code = *(PyObject *const *)(f + 32);
		return (prev - ((const char *)*code + CO_CODE_ADAPTIVE)) / 2;
	}
	*code = ((PyObject *const *)f)[4];
	lasti = *(const int *)(f + f_lasti_off);
	if (lasti < 0)
		return -1;
	return P.minor == 10 ? lasti : lasti / 2;
}

static ssize_t current_unit(const struct attr_inv *v)
{
	const char *f = (const char *)v->frame;
	PyObject *code;

	if (P.minor == 11 && !frames_are_keys)	/* profile-function fallback: */
		f = *(const char *const *)(f + 24);	/* PyFrameObject.f_frame */
	return unit_of(f, &code);
}

/* From the hook path: no Python, no allocation. */
void attr_lines_by_unit(struct attr_inv_hot *h, int64_t delta)
{
	struct attr_inv *v = (struct attr_inv *)h;
	ssize_t u = v->frame_gone ? -1 : current_unit(v);

	if (u >= 0 && u < v->nunits)
		h->by_unit[u] += delta;
	else
		h->rows[h->cur].inc += delta;
}

/* The invocation's line events stop (or never came): count by unit. */
static void lose_line_events(struct attr_inv *v)
{
	ssize_t n;
	int64_t *units;

	if (P.minor >= 12 || v->hot.by_unit || !v->ci->co_code)
		return;
	n = P.PyBytes_Size(v->ci->co_code) / 2;
	if (n <= 0)
		return;
	attr_me.busy++;
	units = calloc((size_t)n, sizeof(*units));
	attr_me.busy--;
	if (!units)
		return;
	note_mem(v);		/* the row it was on ends here, as far as memline sees */
	v->nunits = n;
	v->hot.by_unit = units;
}

/* Each invocation running on this thread. */
static void all_running_lose_line_events(void)
{
	for (struct attr_inv *v = attr_me.top; v; v = v->below)
		lose_line_events(v);
}

/* ---- the thread's stack of running invocations ---- */

static void push(struct attr_inv *v)
{
	struct attr_thread *t = &attr_me;

	v->below = t->top;
	v->pushed_sum = rows_sum(v);
	t->top = v;
}

/* Takes the top off; what it gained since push counts on the line below. */
static void pop(struct attr_inv *v)
{
	struct attr_thread *t = &attr_me;
	int64_t gained = rows_sum(v) - v->pushed_sum;

	t->top = v->below;
	v->below = NULL;
	if (t->top)
		attr_lines_count(&t->top->hot, gained);
}

/* MEMLINE_ASYNC=thread: see struct attr_tally. */
static pthread_key_t tally_key;
static bool tally_key_ok;

static void tally_drop(struct attr_tally *t)
{
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) {
		attr_me.busy++;
		free(t);
		attr_me.busy--;
	}
}

/* The thread ends (its thread-specific data is destroyed). */
static void tally_release(void *arg)
{
	attr_me.tally = NULL;
	tally_drop(arg);
}

static struct attr_tally *my_tally(void)
{
	struct attr_tally *t = attr_me.tally;

	if (t)
		return t;
	attr_me.busy++;
	t = malloc(sizeof(*t));
	if (t) {
		atomic_init(&t->net, 0);
		atomic_init(&t->refs, 1);
		if (tally_key_ok)	/* else the thread's reference stays */
			pthread_setspecific(tally_key, t);
	}
	attr_me.busy--;
	attr_me.tally = t;
	return t;
}

/* What its thread did since v began to wait (or since the last time)
 * goes on the line it waits at. */
static void wait_settle(struct attr_inv *v)
{
	int64_t now;

	if (!v->wait_tally)
		return;
	now = atomic_load_explicit(&v->wait_tally->net, memory_order_relaxed);
	if (v->hot.rows)
		v->hot.rows[v->hot.cur].inc += now - v->wait_base;
	v->wait_base = now;
}

static void unwait(struct attr_inv *v)
{
	if (!v->wait_tally)
		return;
	wait_settle(v);
	tally_drop(v->wait_tally);
	v->wait_tally = NULL;
}

static void wait_on_thread(struct attr_inv *v)
{
	struct attr_tally *t;

	if (cfg.async != ATTR_ASYNC_THREAD)
		return;
	unwait(v);
	if (!(t = my_tally()))	/* its waits here count nothing */
		return;
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	v->wait_tally = t;
	v->wait_base = atomic_load_explicit(&t->net, memory_order_relaxed);
}

/* ---- invocations ---- */

static void trace_on(void);
static bool trace_is(void *ts, void *fn);
static int trace_cb(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);

/* An invocation starts or resumes running: memline's line events on, or
 * (the program's own tracer has the thread, 3.8-3.11) bytes by code unit. */
static void follow_lines(struct attr_inv *v)
{
	trace_on();
	if (P.minor < 12 && !trace_is(NULL, (void *)trace_cb))
		lose_line_events(v);
}

/* ---- greenlets ---- */

/*
 * greenlet switches a thread from one stack of frames to another without
 * an event of CPython's.  Each invocation belongs to the greenlet it
 * started in.  A switch into a greenlet below the running one (a child it
 * started, or a grandchild) is like a call: the switching line waits for
 * it, and what it does counts there.  Any other switch leaves invocations
 * waiting: those of every greenlet that is not the target or above it are
 * parked (their stack as it was) until a switch comes back to their
 * greenlet, and meanwhile count nothing -- or, with MEMLINE_ASYNC=thread,
 * the thread's bytes on the line that switched, as at an await.  So
 * gevent's greenlets (which wait by switching to the hub, their parent)
 * keep each other's bytes apart, and sync code run in a child greenlet
 * (SQLAlchemy's asyncio bridge) counts on the line that waits for it.
 * memline learns of switches from greenlet.settrace (per thread), set when
 * an invocation starts in a thread where greenlet is imported; a tracer it
 * replaces is still called.
 */
static __thread struct attr_inv *parked;	/* tops of parked stacks */
static __thread PyObject *greenlet_now;		/* running (identity only) */
static __thread PyObject *greenlet_prev;	/* the tracer ours replaced */
static __thread bool greenlet_followed;

static PyObject *none(void);
static void trace_off_if_idle(void);
static void quiet_leave(void *ts);

static void greenlet_tag_running(PyObject *mod);

static void greenlet_follow(void)
{
	PyObject *modules, *mod, *settrace, *prev;

	if (greenlet_followed)
		return;
	modules = P.PySys_GetObject("modules");
	mod = modules ? P.PyDict_GetItemString(modules, "greenlet") : NULL;
	if (!mod || mod == P.none)
		return;
	greenlet_followed = true;
	settrace = P.PyObject_GetAttrString(mod, "settrace");
	prev = settrace ? P.PyObject_CallFunction(settrace, "(O)", method("greenlet_switch")) : NULL;
	if (prev && prev != P.none)
		greenlet_prev = prev;
	else if (prev)
		P.Py_DecRef(prev);
	if (settrace)
		P.Py_DecRef(settrace);
	P.PyErr_Clear();
	greenlet_tag_running(mod);
}

/*
 * Where the thread is when memline starts following it: the invocation
 * about to start runs in the current greenlet; those already running
 * started before greenlet was imported (or before this thread was
 * followed), in the thread's first greenlet -- the current one's root.
 */
static void greenlet_tag_running(PyObject *mod)
{
	PyObject *getcurrent = P.PyObject_GetAttrString(mod, "getcurrent");
	PyObject *now = getcurrent ? P.PyObject_CallObject(getcurrent, NULL) : NULL;
	PyObject *root = now, *up;

	for (int depth = 0; root && depth < 64; depth++) {
		up = P.PyObject_GetAttrString(root, "parent");
		if (!up || up == P.none) {
			if (up)
				P.Py_DecRef(up);
			break;
		}
		P.Py_DecRef(up);	/* identity only: the parent outlives the child */
		root = up;
	}
	if (now) {
		greenlet_now = now;	/* identity only */
		for (struct attr_inv *v = attr_me.top; v; v = v->below)
			if (!v->greenlet)
				v->greenlet = root;
		P.Py_DecRef(now);
	}
	if (getcurrent)
		P.Py_DecRef(getcurrent);
	P.PyErr_Clear();
}

/*
 * Is `want` among the first `limit` objects of the chain from `from` along
 * attribute `link` (getattr of `get` of each, compared; None ends it)?
 */
static bool in_chain(PyObject *from, const char *link, const char *get, PyObject *want, int limit)
{
	PyObject *t = from, *up, *v;
	bool found = false;

	if (!t)
		return false;
	P.Py_IncRef(t);
	for (int depth = 0; t && t != P.none && depth < limit && !found; depth++) {
		v = get ? P.PyObject_GetAttrString(t, get) : t;
		found = v == want;
		if (get && v)
			P.Py_DecRef(v);
		up = found ? NULL : P.PyObject_GetAttrString(t, link);
		P.Py_DecRef(t);
		t = up;
	}
	if (t)
		P.Py_DecRef(t);
	P.PyErr_Clear();
	return found;
}

/* Is g the greenlet `of`, or one that `of` runs below (its parents)? */
static bool greenlet_above(PyObject *g, PyObject *of)
{
	return in_chain(of, "parent", NULL, g, 64);
}

/*
 * Parks the top run of invocations that belong to one greenlet.  What
 * they gained so far goes down to the lines that wait for them, as if
 * they returned now (a child greenlet's bytes count on the line that
 * switched to it); what they gain after, when they return.
 */
static void park_top(void)
{
	struct attr_inv *top = attr_me.top, *bottom = top;

	note_mem(top);
	while (bottom->below && bottom->below->greenlet == top->greenlet)
		bottom = bottom->below;
	for (struct attr_inv *v = top; v != bottom->below; v = v->below) {
		int64_t gained = rows_sum(v) - v->pushed_sum;

		v->pushed_sum += gained;
		if (v->below)
			attr_lines_count(&v->below->hot, gained);
	}
	attr_me.top = bottom->below;
	bottom->below = NULL;
	top->next_parked = parked;
	parked = top;
	wait_on_thread(top);
}

static void greenlet_switched(PyObject *origin, PyObject *target)
{
	bool moved = false;

	/* what started before memline saw a switch ran in the origin */
	for (struct attr_inv *v = attr_me.top; v; v = v->below)
		if (!v->greenlet)
			v->greenlet = origin;
	greenlet_now = target;
	while (attr_me.top && !greenlet_above(attr_me.top->greenlet, target)) {
		park_top();
		moved = true;
	}
	for (struct attr_inv **pp = &parked; *pp; pp = &(*pp)->next_parked) {
		struct attr_inv *v = *pp, *bottom = v;

		if (v->greenlet != target)
			continue;
		*pp = v->next_parked;
		v->next_parked = NULL;
		unwait(v);
		while (bottom->below)
			bottom = bottom->below;
		bottom->below = attr_me.top;	/* on what the target runs above */
		attr_me.top = v;
		follow_lines(v);
		return;
	}
	if (moved && !attr_me.top)
		trace_off_if_idle();
	else if (moved)
		follow_lines(attr_me.top);
}

/* greenlet's tracer: (event, (origin, target)), in the target. */
static PyObject *py_greenlet_switch(PyObject *self, PyObject *args)
{
	PyObject *pair = P.PyTuple_GetItem(args, 1);
	PyObject *origin = pair ? P.PyTuple_GetItem(pair, 0) : NULL;
	PyObject *target = pair ? P.PyTuple_GetItem(pair, 1) : NULL;
	struct saved_error e;

	(void)self;
	P.PyErr_Clear();	/* (a malformed call, not greenlet's) */
	if (finalizing) {
		/* the exit reports are made: greenlets killed at shutdown */
	} else if (origin && target && (attr_me.top || parked)) {
		enter(&e);
		/* a quiet (a callee of a selected frame, 3.8-3.11) is the
		 * origin's: its tracing count must not go with the thread to
		 * frames of other greenlets, nor come back to the origin from
		 * them (a greenlet thrown into from elsewhere ending while one
		 * was on left it raised for whoever ran next: no line events) */
		quiet_leave(NULL);
		greenlet_switched(origin, target);
		leave(&e);
	} else if (target) {
		greenlet_now = target;
	}
	if (greenlet_prev)	/* the program's own, as greenlet would call it */
		return P.PyObject_CallObject(greenlet_prev, args);
	return none();
}

/* The nearest running invocation of this code on the thread's stack. */
static struct attr_inv *running_of(struct code_info *ci)
{
	for (struct attr_inv *v = attr_me.top; v; v = v->below)
		if (v->ci == ci)
			return v;
	return NULL;
}

/* A recursive call: the outermost invocation reports. */
static bool recursive(struct code_info *ci)
{
	return running_of(ci) != NULL;
}

/*
 * A generator or coroutine started inside a running call of its own
 * function, other than by a yield from or await there (started_by_send),
 * may outlive that call (a 3.12 eager task of the same coroutine, a
 * generator advanced there and kept).  It is tracked from its start, tied
 * to the outer call, and decided later: one that ends (or is still there
 * at exit) tied is the recursion it seemed, reported by the outer call
 * only; one that runs outside the outer call (runs_outside), or whose
 * outer call ends first, reports on its own, from its start -- what it did
 * inside the outer call counts on the outer call's line too, as a
 * callee's does.
 */
static void nested_start(struct attr_inv *v, struct attr_inv *in)
{
	v->outer = in->outer ? in->outer : in;
	nested_live++;
}

static void nested_untie(struct attr_inv *v)
{
	if (v->outer) {
		v->outer = NULL;
		nested_live--;
	}
}

/* v is going: what was tied to it is on its own now. */
static void nested_outer_gone(struct attr_inv *v)
{
	for (struct attr_inv *w = all_invs; w && nested_live; w = w->next_all)
		if (w->outer == v)
			nested_untie(w);
}

/*
 * Reports that could not be written where their invocation ended (too
 * little C stack left there), oldest first: each is a detached copy of the
 * finished invocation's counts, written before the next report made where
 * there is room, at the next start of a selected function with room, or at
 * exit.  GIL held.
 */
static struct attr_inv *deferred, **deferred_end = &deferred;
static int deferred_lost;		/* not even a copy could be kept */

static void write_deferred(void);

/* Is unit u of a generator's code part of a yield from or an await? */
static bool sends_at(struct code_info *ci, ssize_t u)
{
	if (ci->nsend_units < 0) {
		PyObject *b = boot_call("send_units", "(O)", ci->code, NULL);
		ssize_t n = b ? P.PyBytes_Size(b) : -1;

		ci->nsend_units = 0;
		if (n > 0 && (ci->send_units = malloc((size_t)n))) {
			memcpy(ci->send_units, P.PyBytes_AsString(b), (size_t)n);
			ci->nsend_units = n;
		}
		if (b)
			P.Py_DecRef(b);
		P.PyErr_Clear();
	}
	return u >= 0 && u < ci->nsend_units && ci->send_units[u];
}

static void *caller_key(PyObject *frame);
static ssize_t frame_unit(void *caller, PyObject **code);

/* Is a running frame (caller_key's kind) an invocation on this thread? */
static bool runs_as_invocation(void *caller)
{
	for (struct attr_inv *v = attr_me.top; v; v = v->below)
		if ((P.minor >= 12 ? v->iframe : (void *)v->frame) == caller)
			return true;
	return false;
}

/*
 * Is a starting generator's first run a yield from or an await of a frame
 * of a selected generator function that is running (an invocation, or a
 * recursion inside one)?  Then it lives inside that one's call (see
 * nested_start) -- unless it is an async generator, which an await of its
 * __anext__() only advances.  With may_ask false, no Python: a code whose
 * yield froms are not known yet says no.
 */
static bool started_by_send(struct code_info *ci, PyObject *frame, bool may_ask)
{
	struct code_info *by;
	PyObject *code = NULL;
	ssize_t unit;
	void *caller;

	if (ci->async_gen || !(caller = caller_key(frame)))
		return false;
	unit = frame_unit(caller, &code);
	by = code ? code_cached(code) : NULL;
	if (!by || !by->selected || !by->generator || (!may_ask && by->nsend_units < 0))
		return false;
	if (!running_of(ci)) {
		/* a throw or close that a suspended call passes down its
		 * chain of yield froms or awaits (a task's cancel) runs the
		 * recursions in it without the call's own frame: a frame of
		 * the same function that is no invocation is one of them, and
		 * what it starts is one too */
		if (by != ci || runs_as_invocation(caller))
			return false;
	} else if (!running_of(by)) {
		return false;
	}
	return sends_at(by, unit);
}

static void start(struct code_info *ci, PyObject *frame)
{
	struct attr_inv *v, *in = running_of(ci);

	if (ci->nhits)
		mark_ran(ci);
	if (finalizing || (in && !ci->generator))
		return;
	/* recursion through a yield from or an await: costs nothing to track */
	if ((in || ci->generator) && started_by_send(ci, frame, true))
		return;
	if (deferred)
		write_deferred();
	greenlet_follow();
	if (!ci->texts && !ci->have_source &&
	    !room_for(P.minor == 12 ? ROOM_SOURCE_312 : ROOM_SOURCE)) {
		lost_calls(ci, 1);	/* said where there is room */
		return;
	}
	if (!ci->texts) {	/* (signals held only for a first read) */
		bool held = !ci->have_source && signals_hold(), loaded = load_source(ci);

		if (held)
			signals_let_go();
		if (!loaded)
			return;
	}
	v = calloc(1, sizeof(*v));
	if (v && !(v->hot.rows = calloc((size_t)ci->nrows, sizeof(struct attr_row)))) {
		free(v);
		v = NULL;
	}
	if (!v) {
		memory_out(0, "start");
		return;
	}
	v->ci = ci;
	v->greenlet = greenlet_now;
	v->frame = frame;
	if (!frames_are_keys) {
		P.Py_IncRef(frame);
		v->frame_held = true;
	}
	if ((P.minor == 12 || P.minor == 13) && frame)
		v->iframe = *(void **)((char *)frame + FO_IFRAME);
	v->hot.rows[0].mem = attr_live_now();	/* usage at entry, on the def row */
	if (in)
		nested_start(v, in);
	v->next_all = all_invs;
	if (all_invs)
		all_invs->prev_all = v;
	all_invs = v;
	push(v);
	follow_lines(v);
}

/* 3.8-3.10: see release_frame */
static void hold_frame(struct attr_inv *v)
{
	if (!v->frame_held) {
		P.Py_IncRef(v->frame);
		v->frame_held = true;
	}
}

static void suspended_add(struct attr_inv *v)
{
	/* keeps the table when the last suspended one resumes (uthash frees
	 * it, to make it again at the next suspension) */
	static struct attr_inv keeper = { .frame = (PyObject *)&keeper };

	if (!v->frame)	/* an orphan: found by nothing */
		return;
	if (!suspended_by_frame)
		HASH_ADD(hh_susp, suspended_by_frame, frame, sizeof(keeper.frame), &keeper);
	hash_oomed = false;
	HASH_ADD(hh_susp, suspended_by_frame, frame, sizeof(v->frame), v);
	v->susp_hash = hash_oomed ? SUSP_UNHASHED : SUSP_HASHED;
	if (hash_oomed)
		suspended_unhashed++;
	suspended_n++;
}

static void suspended_remove(struct attr_inv *v)
{
	if (v->susp_hash == SUSP_HASHED)
		HASH_DELETE(hh_susp, suspended_by_frame, v);
	else if (v->susp_hash == SUSP_UNHASHED)
		suspended_unhashed--;
	if (v->susp_hash)
		suspended_n--;
	v->susp_hash = 0;
}

static struct attr_inv *find_suspended(PyObject *frame)
{
	struct attr_inv *v;

	if (!frame)	/* (an orphan's key, see orphan_if_dead) */
		return NULL;
	HASH_FIND(hh_susp, suspended_by_frame, &frame, sizeof(frame), v);
	if (v || !suspended_unhashed)
		return v;
	for (v = all_invs; v; v = v->next_all)
		if (v->frame == frame && v->suspended)
			return v;
	return NULL;
}

/* The generator an invocation's frame belongs to (a new reference), or
 * NULL; with 3.11's eval hook the key is inside it, at GEN_IFRAME. */
static PyObject *frame_generator(struct attr_inv *v)
{
	const char *f = (const char *)v->frame;
	PyObject *gen = NULL;

	if (!f)
		return NULL;
	if (P.minor <= 10)
		gen = *(PyObject *const *)(f + f_lasti_off - 8);	/* f_gen */
	else if (frames_are_keys && f[IF_OWNER] == 1)
		gen = (PyObject *)(f - GEN_IFRAME);
	else if (!frames_are_keys && v->frame_held && P.PyFrame_GetGenerator)
		return P.PyFrame_GetGenerator((PyFrameObject *)v->frame);
	if (gen)
		P.Py_IncRef(gen);
	return gen;
}

/*
 * A suspended invocation's generator (a new reference), or NULL.  Its weak
 * reference's referent; while the generator is finalized (its weak
 * references already cleared) the generator its frame belongs to.
 */
static PyObject *suspended_generator(struct attr_inv *v)
{
	PyObject *gen;

	if (!v->frame)
		return NULL;
	if (v->gen_ref) {
		gen = P.PyObject_CallObject(v->gen_ref, NULL);
		P.PyErr_Clear();
		if (gen && gen != P.none)
			return gen;
		if (gen)
			P.Py_DecRef(gen);
	}
	return v->dying ? frame_generator(v) : NULL;
}

/*
 * Is v, suspended, passing a throw or a close on to what its yield from
 * (or await) waits on?  CPython does it without running v's frame, and
 * marks the generator running meanwhile.
 */
static bool delegating(struct attr_inv *v)
{
	static const char *const flags[] = { "gi_running", "cr_running", "ag_running" };
	PyObject *gen, *flag = NULL;
	bool yes = false;

	if (!v->suspended || !(gen = suspended_generator(v)))
		return false;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && !flag; i++) {
		flag = P.PyObject_GetAttrString(gen, flags[i]);
		P.PyErr_Clear();
	}
	if (flag) {
		yes = P.PyObject_IsTrue(flag) == 1;
		P.PyErr_Clear();
		P.Py_DecRef(flag);
	}
	P.Py_DecRef(gen);
	return yes;
}

/*
 * A tied generator going on (or closed without running, 3.13): outside
 * its outer call -- run where neither that call nor another generator
 * tied to it is on this thread's stack, and not a throw or close the outer
 * call passes on -- it reports on its own.
 */
static void runs_outside(struct attr_inv *v)
{
	if (!v->outer)
		return;
	for (struct attr_inv *w = attr_me.top; w; w = w->below)
		if (w == v->outer || w->outer == v->outer)
			return;
	if (!delegating(v->outer))
		nested_untie(v);
}

static void resume(PyObject *frame)
{
	struct attr_inv *v = find_suspended(frame);

	if (!v)
		return;
	suspended_remove(v);
	unwait(v);
	runs_outside(v);
	v->suspended = false;
	v->frame_gone = false;
	v->greenlet = greenlet_now;	/* where it goes on */
	if (P.minor <= 10)
		hold_frame(v);
	push(v);
	follow_lines(v);
}

static void line(struct attr_inv *v, int lineno)
{
	int idx = lineno - v->ci->first;

	if (v->hot.by_unit)	/* lost once, lost for this invocation: its
				   rows from then on show Increment only */
		return;
	note_mem(v);
	if (idx < 0 || idx >= v->ci->nrows)
		return;
	v->hot.cur = idx;
	v->hot.rows[idx].occ++;
	if (idx == 0)
		v->line_seen = true;
}

static void trace_off_if_idle(void);
static void report(struct attr_inv *v, bool unfinished);
static void report_here_or_later(struct attr_inv *v);

/*
 * 3.8-3.10: a suspended generator's frame holds its locals, and the
 * generator is often among them (a reference cycle): a strong reference of
 * ours to the frame would keep the whole cycle from the garbage collector,
 * and the generator's finally blocks from running.  While it is suspended
 * memline holds a weak reference to the generator instead (which owns the
 * frame); when the generator dies, the frame is held again for the
 * generator's last run -- its finalizer throws GeneratorExit into it, and
 * the frame hook sees that run end as usual.
 */
static void release_frame(struct attr_inv *v)
{
	PyObject *gen;

	if (!v->frame_held)
		return;
	if (!v->gen_ref) {
		gen = *(PyObject **)((char *)v->frame + f_lasti_off - 8);	/* f_gen */
		if (!gen)
			return;
		v->gen_ref = P.PyWeakref_NewRef(gen, method("gen_died"));
		P.PyErr_Clear();
		if (!v->gen_ref)
			return;
	}
	v->frame_held = false;
	P.Py_DecRef(v->frame);
}

/*
 * 3.11+: a weak reference to the generator tells us when it dies (see
 * orphan_if_dead); with 3.11's eval hook the key is the generator's
 * interpreter frame, inside the generator.  3.13 also closes one suspended
 * at a plain yield without throwing into it, so no event tells us it
 * ended: the weak reference does, when it is dropped (and close_wrap,
 * when it is closed).
 */
static void watch_generator(struct attr_inv *v)
{
	PyObject *gen = NULL;

	if (P.minor <= 10) {
		release_frame(v);
		return;
	}
	if (v->gen_ref)
		return;
	gen = frame_generator(v);
	if (gen) {
		v->gen_ref = P.PyWeakref_NewRef(gen, method("gen_died"));
		P.Py_DecRef(gen);
	}
	P.PyErr_Clear();
}

/*
 * The generator of an invocation whose generator is being deallocated
 * (its weak references are being called back): read, not referenced --
 * its count is zero, and a reference taken and dropped would free it
 * twice.  3.8-3.10 PyFrameObject.f_gen (before f_lasti); else the
 * interpreter frame's generator, whose frame it is (owner 1): 3.11 at
 * IF_OWNER (69), gi_iframe 80; 3.12/3.13 owner at 70, gi_iframe 72.
 */
static const char *dying_generator(const struct attr_inv *v)
{
	const char *f = (const char *)v->frame;

	if (!f)
		return NULL;
	if (P.minor <= 10)
		return *(const char *const *)(f + f_lasti_off - 8);
	if (P.minor == 11) {
		if (!frames_are_keys)
			f = *(const char *const *)(f + PYFRAME_F_FRAME);
		return f && f[IF_OWNER] == 1 ? f - GEN_IFRAME : NULL;
	}
	f = v->iframe;
	return (P.minor == 12 || P.minor == 13) && f && f[70] == 1 ? f - 72 : NULL;
}

/*
 * Will CPython hand this dying async generator to a finalizer hook (an
 * event loop's: asyncio schedules its aclose() as a task, which makes it
 * live again) rather than close it there?  Its finalizer (3.8/3.9
 * ag_finalizer 96, ag_closed an int at 108; 3.10 88, 100; 3.11
 * ag_origin_or_finalizer 64, ag_closed a char at 73; 3.12/3.13 56, 65).
 */
static bool goes_to_hook(struct attr_inv *v)
{
	static const short fin[] = { 96, 96, 88, 64, 56, 56 }, closed[] = { 108, 108, 100, 73, 65, 65 };
	const char *gen = v->ci->async_gen ? dying_generator(v) : NULL;
	int i = P.minor - 8;
	PyObject *hook;

	if (!gen || i < 0 || i > 5 || !(hook = *(PyObject *const *)(gen + fin[i])))
		return false;
	if (P.minor <= 10 ? *(const int *)(gen + closed[i]) : gen[closed[i]])
		return false;
	if (!v->hook_code)	/* a method's or function's; C: none */
		v->hook_code = P.PyObject_GetAttrString(hook, "__code__");
	P.PyErr_Clear();
	return true;
}

/* Is this Python code running on the thread, near the top of its stack? */
static bool code_running(PyObject *code)
{
	return code && in_chain((PyObject *)P.PyEval_GetFrame(), "f_back", "f_code", code, 16);
}

/* Did an async generator's frame give its caller a value of its own (a
 * yield), rather than what an await passes up? */
static bool yielded_value(PyObject *yielded)
{
	const char *type = *(const char *const *)((const char *)yielded + 8);	/* ob_type */
	const char *name = *(const char *const *)(type + 24);			/* tp_name */

	return name && !strcmp(name, "async_generator_wrapped_value");
}

/*
 * An async generator dropped under an event loop: CPython clears its weak
 * references, then calls the loop's finalizer hook, which (asyncio's,
 * uvloop's) schedules its aclose() -- the generator lives again, and its
 * finally blocks run later, as a task, where they may await.  Suspended
 * at such an await (not at a yield, which makes aclose() raise "ignored
 * GeneratorExit") it is alive, not orphaned: memline holds the generator
 * until that run ends (so that the weak reference made again is sound)
 * and lets go of it at exit if it never ends.  Not when the hook's own
 * code runs the close (trio's, for a generator that is not its own):
 * that is inside CPython's finalization, which frees the generator when
 * the hook returns -- a reference of memline's would keep it, and its
 * locals, alive.  A hook in C is taken to schedule the close (uvloop's).
 */
static bool hook_closing(struct attr_inv *v, PyObject *yielded)
{
	PyObject *gen;

	if (!v->hooked || !yielded || yielded_value(yielded) || code_running(v->hook_code) ||
	    !(gen = frame_generator(v)))
		return false;
	v->gen_hold = gen;
	P.Py_DecRef(v->gen_ref);
	v->gen_ref = P.PyWeakref_NewRef(gen, method("gen_died"));
	P.PyErr_Clear();
	v->dying = v->hooked = false;
	return true;
}

/*
 * A generator that ignores GeneratorExit yields again when its finalizer
 * closes it, and CPython then frees it with its frame unfinished, without
 * an event.  Its weak reference is dead by then (CPython clears them
 * before the finalizer runs).  The invocation stays, to be reported at
 * exit as unfinished, but lets go of the frame object at once: on 3.12+
 * a frame object still referenced when CPython clears its frame takes the
 * frame's locals and function over, and through the function's globals
 * the module's dict, which CPython then never clears at exit -- no
 * __del__ of a global, no finally of a live generator, no "Exception
 * ignored" at shutdown.  The frame object may go now and its address
 * come back as another frame's: the orphan is keyed by nothing, and
 * counts nothing more (MEMLINE_ASYNC=thread).
 */
static void orphan_if_dead(struct attr_inv *v, PyObject *yielded)
{
	PyObject *gen;

	if (!v->gen_ref || !v->dying)	/* (gen_died comes first) */
		return;
	gen = P.PyObject_CallObject(v->gen_ref, NULL);	/* the referent, or None */
	if (gen)
		P.Py_DecRef(gen);
	P.PyErr_Clear();
	if (gen != P.none || hook_closing(v, yielded))
		return;
	unwait(v);
	if (v->frame_held)
		P.Py_DecRef(v->frame);
	v->frame_held = false;
	v->frame = NULL;
	v->iframe = NULL;
}

/* yielded: what the frame gave its caller (borrowed), or NULL */
static void suspend(struct attr_inv *v, PyObject *yielded)
{
	note_mem(v);
	pop(v);
	v->suspended = true;
	watch_generator(v);
	wait_on_thread(v);
	orphan_if_dead(v, yielded);
	suspended_add(v);
	trace_off_if_idle();
}

static void unlink_all(struct attr_inv *v)
{
	if (v->prev_all)
		v->prev_all->next_all = v->next_all;
	else if (all_invs == v)
		all_invs = v->next_all;
	if (v->next_all)
		v->next_all->prev_all = v->prev_all;
	v->prev_all = v->next_all = NULL;
}

/* Drops a reference of ours, if held, and forgets it. */
static void clear_ref(PyObject **ref)
{
	PyObject *o = *ref;

	*ref = NULL;
	if (o)
		P.Py_DecRef(o);
}

/* Reports (or not) and forgets an invocation that is off the stack. */
static void drop(struct attr_inv *v, bool with_report)
{
	unwait(v);
	unlink_all(v);
	suspended_remove(v);
	if (v->outer) {		/* recursion after all: the outer call reports */
		nested_untie(v);
		with_report = false;
	} else if (nested_live) {
		nested_outer_gone(v);
	}
	if (with_report && !finalizing)	/* else the exit already reported it */
		report_here_or_later(v);
	if (v->frame_held)
		P.Py_DecRef(v->frame);
	v->frame_held = false;
	clear_ref(&v->gen_ref);
	clear_ref(&v->gen_hold);
	clear_ref(&v->hook_code);
	free(v->hot.rows);
	v->hot.rows = NULL;
	if (v->hot.by_unit) {
		int64_t *units = v->hot.by_unit;

		v->hot.by_unit = NULL;
		free(units);
	}
	free(v);
}

static void retire(struct attr_inv *v)
{
	drop(v, true);
}

static void finish(struct attr_inv *v)
{
	note_mem(v);
	pop(v);
	retire(v);
	trace_off_if_idle();
}

/*
 * 3.13's generator close: one suspended at a yield outside any try block is
 * cleared without running (and without an event: memline retires it when
 * the generator dies); otherwise GeneratorExit is thrown into it, and its
 * last run ends with the usual events, its finally blocks counted.  Read
 * the way CPython decides, from the instruction the frame would resume at
 * (_PyInterpreterFrame.instr_ptr), still there while the dying generator's
 * weak references are called back.
 */
static bool closes_quietly(struct attr_inv *v)
{
	const uint8_t *ip = v->iframe ? *(const uint8_t **)((char *)v->iframe + 56) : NULL;

	if (!ip)
		return true;
	/* RESUME, RESUME_CHECK, INSTRUMENTED_RESUME; RESUME_OPARG_DEPTH1_MASK */
	return (ip[0] == 149 || ip[0] == 207 || ip[0] == 236) && (ip[1] & 0x4);
}

static PyObject *py_gen_died(PyObject *self, PyObject *ref)
{
	struct saved_error e;

	(void)self;
	enter(&e);
	for (struct attr_inv *v = all_invs; v; v = v->next_all) {
		if (v->gen_ref == ref && v->suspended) {
			v->dying = true;
			v->hooked = goes_to_hook(v);
			if (P.minor <= 10) {	/* its last run is coming */
				hold_frame(v);
				break;
			}
			/* (an async generator under an event loop is handed to its
			 * finalizer hook, which closes it later, with events) */
			if (P.minor < 13 || v->ci->async_gen || !closes_quietly(v))
				break;	/* GeneratorExit goes in: its events follow */
			runs_outside(v);
			retire(v);
			break;
		}
	}
	leave(&e);
	P.Py_IncRef(P.none);
	return P.none;
}

/* ---- reports ---- */

/*
 * A str as UTF-8 for output: a file name that is not UTF-8 (decoded with
 * surrogate escapes) as the bytes it came from, a lone surrogate
 * backslash-escaped.  *keep is what the text lives in (or NULL), for the
 * caller to drop; NULL only if even that fails.
 */
static const char *utf8_of(PyObject *s, PyObject **keep)
{
	const char *t = s ? P.PyUnicode_AsUTF8(s) : NULL;

	*keep = NULL;
	if (t || !s)
		return t;
	P.PyErr_Clear();
	*keep = P.PyUnicode_AsEncodedString(s, "utf-8", "surrogateescape");
	if (!*keep) {
		P.PyErr_Clear();
		*keep = P.PyUnicode_AsEncodedString(s, "utf-8", "backslashreplace");
	}
	if (!*keep) {
		P.PyErr_Clear();
		return NULL;
	}
	return P.PyBytes_AsString(*keep);
}

/* utf8_of, and the text's length: a NUL inside (a source line may hold
 * one) does not end it. */
static const char *utf8_len_of(PyObject *s, PyObject **keep, size_t *len)
{
	ssize_t n = 0;
	const char *t = s ? P.PyUnicode_AsUTF8AndSize(s, &n) : NULL;

	if (t) {
		*keep = NULL;
		*len = (size_t)n;
		return t;
	}
	t = utf8_of(s, keep);
	*len = !t ? 0 : *keep ? (size_t)P.PyBytes_Size(*keep) : strlen(t);
	return t;
}

/* A file name as the bytes it names on disk (the file system encoding:
 * not UTF-8 under a latin-1 locale, say), else as utf8_of. */
static const char *fs_bytes_of(PyObject *s, PyObject **keep)
{
	*keep = s && P.PyUnicode_EncodeFSDefault ? P.PyUnicode_EncodeFSDefault(s) : NULL;
	if (*keep)
		return P.PyBytes_AsString(*keep);
	P.PyErr_Clear();
	return utf8_of(s, keep);
}

/* Text back to a str, bytes that are not UTF-8 as surrogate escapes. */
static PyObject *str_of(const char *text, size_t len)
{
	return P.PyUnicode_DecodeUTF8(text, (ssize_t)len, "surrogateescape");
}

/* The logging sink gathers a report's lines, then logs them in one go. */
static void logging_write(void *ctx, const char *text, size_t len)
{
	PyObject *msg;

	if (!ctx)
		return;
	msg = str_of(text, len);	/* blank layout lines too: log() skips them */
	if (msg) {
		P.PyList_Append((PyObject *)ctx, msg);
		P.Py_DecRef(msg);
	}
	P.PyErr_Clear();
}

/*
 * The logging sink runs the program's handlers, which take locks: a signal
 * handler's exception landing in one of them between a lock's acquire and
 * the try that releases it would leave the lock taken, and the next report
 * (another thread's) waiting on it for ever.  On the main thread -- the
 * only one where Python signal handlers run, whichever thread the signal
 * reached -- the program's handlers wait meanwhile (boot.py's
 * signals_wait): a signal that comes is noted and raised again after.
 */
static int signals_depth;		/* main thread only */
static struct sigaction signals_saved[65], signals_during[65], signals_now[65];
static bool signals_saved_ok[65], signals_changed[65];

/* signal.signal sets an action of its own (no SA_RESTART, say, after
 * siginterrupt(n, False); CPython's handler where a library had put its
 * own): each signal put back gets the exact action it had before -- or
 * the one the program set meanwhile (a logging handler's siginterrupt or
 * faulthandler.register), over the waiting one. */
static void signals_restore(int n)
{
	if (n > 0 && n < 65 && signals_saved_ok[n])
		sigaction(n, signals_changed[n] ? &signals_now[n] : &signals_saved[n], NULL);
}

/* (the mask signal by signal: glibc fills only the kernel's part of it) */
static bool action_differs(const struct sigaction *a, const struct sigaction *b)
{
	if (a->sa_handler != b->sa_handler || a->sa_flags != b->sa_flags)
		return true;
	for (int n = 1; n < 65; n++)
		if (sigismember(&a->sa_mask, n) != sigismember(&b->sa_mask, n))
			return true;
	return false;
}

static PyObject *signals_outer;	/* the outermost wait's list (a reference) */
static void signals_end_wait(PyObject *waiting, bool outermost);

static PyObject *signals_wait(void)
{
	PyObject *w;
	int n;

	if (P.PyThread_get_thread_ident() != main_ident)
		return NULL;
	if (signals_depth == 0)
		for (n = 1; n < 65; n++) {
			signals_saved_ok[n] = sigaction(n, NULL, &signals_saved[n]) == 0;
			signals_changed[n] = false;
		}
	/* signals that arrive while the handlers are being replaced wait in
	 * the kernel meanwhile: else the program's handler would run inside
	 * memline's Python, unreported; let through, they find the noting one.
	 * A handler not replaced yet may still raise (a signal that came
	 * before): those replaced go back, and the wait is tried again --
	 * else the logging that follows would run unprotected, and a report
	 * be lost */
	signals_hold();
	for (int attempt = 0; attempt < 3; attempt++) {
		w = boot_call("signals_wait", NULL, NULL, NULL);
		if (w || signals_depth != 0)
			break;
		signals_end_wait(P.PyDict_GetItemString(boot, "_waiting_now"), true);
		if (own_failed_for_now)	/* memory, not a handler: no use */
			break;
	}
	signals_let_go();
	if (w && signals_depth == 0) {
		for (n = 1; n < 65; n++)
			if (signals_saved_ok[n])
				sigaction(n, NULL, &signals_during[n]);
		P.Py_IncRef(w);
		signals_outer = w;
	}
	if (w)
		signals_depth++;
	return w;
}

/* The first exception raised (fetched into exc), later ones dropped. */
static void keep_first(PyObject *exc[3])
{
	PyObject *t, *v, *tb;

	P.PyErr_Fetch(&t, &v, &tb);
	if (t && !exc[0]) {
		exc[0] = t;
		exc[1] = v;
		exc[2] = tb;
	} else {
		drop_fetched(t, v, tb);
	}
}

/*
 * The program's handlers back (waiting: [(signum, handler)]) -- in C:
 * memline's Python between two of them could be interrupted by a handler
 * already back (CPython runs pending handlers at its checks, and
 * signal.signal runs them first), and would leave the rest replaced for
 * good.  A handler's exception does not stop it (each signal is tried up
 * to 50 times: a timer's handler may raise at each); the first is kept in
 * exc.  The signals put back are
 * marked in back.
 */
static void signals_put_back(PyObject *waiting, bool back[65], PyObject *exc[3])
{
	PyObject *modules = P.PySys_GetObject("modules");
	PyObject *sig = modules ? P.PyDict_GetItemString(modules, "_signal") : NULL;
	PyObject *note = P.PyDict_GetItemString(boot, "_note_signal");
	PyObject *get = sig ? P.PyObject_GetAttrString(sig, "getsignal") : NULL;
	PyObject *set = sig ? P.PyObject_GetAttrString(sig, "signal") : NULL;
	ssize_t count = waiting && get && set && note ? P.PyList_Size(waiting) : 0;

	P.PyErr_Clear();
	for (ssize_t i = 0; i < count; i++) {
		PyObject *item = P.PyList_GetItem(waiting, i);
		PyObject *num = item ? P.PyTuple_GetItem(item, 0) : NULL;
		PyObject *h = item ? P.PyTuple_GetItem(item, 1) : NULL;
		long n = num ? P.PyLong_AsLong(num) : -1;

		P.PyErr_Clear();
		if (!h || n < 1 || n > 64)
			continue;
		for (int attempt = 0; attempt < 50; attempt++) {
			PyObject *now = P.PyObject_CallFunction(get, "(O)", num), *r;
			bool replaced = now == note;

			if (now)
				P.Py_DecRef(now);
			if (now && !replaced)
				break;
			r = now ? P.PyObject_CallFunction(set, "(OO)", num, h) : NULL;
			if (r) {
				P.Py_DecRef(r);
				back[n] = true;
				break;
			}
			keep_first(exc);
		}
	}
	if (get)
		P.Py_DecRef(get);
	if (set)
		P.Py_DecRef(set);
	P.PyErr_Clear();
}

/* Calls a list's clear(), or the like, with no Python of ours to stop. */
static void call_method0(PyObject *o, const char *name)
{
	PyObject *m = o ? P.PyObject_GetAttrString(o, name) : NULL;
	PyObject *r = m ? P.PyObject_CallObject(m, NULL) : NULL;

	if (r)
		P.Py_DecRef(r);
	if (m)
		P.Py_DecRef(m);
	P.PyErr_Clear();
}

/* Puts back, restores the exact actions, sends again what came (each
 * signal once), and hands the program's exception back. */
static void signals_end_wait(PyObject *waiting, bool outermost)
{
	bool back[65] = { false };
	PyObject *exc[3] = { NULL, NULL, NULL };
	PyObject *noted = P.PyDict_GetItemString(boot, "_noted_signals");
	bool sent[65] = { false };
	ssize_t n;

	own_python(true);	/* memline's work: no collection, no tracer */
	signals_put_back(waiting, back, exc);
	if (outermost) {
		for (int s = 1; s < 65; s++)
			if (back[s])
				signals_restore(s);
		call_method0(P.PyDict_GetItemString(boot, "_waiting_now"), "clear");
	}
	/* out of memline's Python: their handlers run at CPython's next
	 * check, in the program's code (an enclosing wait notes them again) */
	n = noted ? P.PyList_Size(noted) : 0;
	for (ssize_t i = 0; i < n; i++) {
		long s = P.PyLong_AsLong(P.PyList_GetItem(noted, i));

		if (s > 0 && s < 65 && !sent[s]) {
			sent[s] = true;
			kill(getpid(), (int)s);
		}
	}
	P.PyErr_Clear();
	call_method0(noted, "clear");
	own_python(false);
	if (exc[0] && programs_exception(exc[0], exc[2])) {
		P.PyErr_Restore(exc[0], exc[1], exc[2]);
		settle_error("signals_resume", true);	/* handed back */
	} else {
		drop_fetched(exc[0], exc[1], exc[2]);
	}
}

static void signals_resume(PyObject *waiting)
{
	bool outermost;

	if (!waiting)
		return;
	if (signals_depth == 1)
		for (int n = 1; n < 65; n++)
			signals_changed[n] = signals_saved_ok[n] &&
					     sigaction(n, NULL, &signals_now[n]) == 0 &&
					     action_differs(&signals_now[n], &signals_during[n]);
	outermost = --signals_depth == 0;
	if (outermost) {
		if (signals_outer)
			P.Py_DecRef(signals_outer);
		signals_outer = NULL;
	}
	signals_end_wait(waiting, outermost);
	P.Py_DecRef(waiting);
}

/* A child forked by another thread than the one waiting: the handlers go
 * back now (no thread of the child will end that wait), and the forking
 * thread is the child's main thread, where Python runs handlers. */
static void signals_forked(void)
{
	unsigned long me = P.PyThread_get_thread_ident();

	if (me == main_ident)
		return;
	main_ident = me;
	if (signals_depth > 0 && signals_outer) {
		PyObject *w = signals_outer;

		signals_depth = 1;
		P.Py_IncRef(w);
		signals_resume(w);
	}
	signals_depth = 0;
}

/* boot.py's name(a, b), which runs the program's logging handlers: their
 * signal handlers wait, and collection is not paused (a handler may switch
 * it off itself, which resuming would undo). */
static PyObject *handlers_call(const char *name, const char *fmt, PyObject *a, PyObject *b)
{
	PyObject *r, *waiting = signals_wait();

	gc_no_pause = true;
	r = boot_call(name, fmt, a, b);
	gc_no_pause = false;
	signals_resume(waiting);
	return r;
}

static void logging_emit(PyObject *lines)
{
	PyObject *name = str_of(cfg.logger, strlen(cfg.logger));
	PyObject *r;

	P.PyErr_Clear();
	if (name && lines) {
		r = handlers_call("log", "OO", name, lines);
		if (r)
			P.Py_DecRef(r);
	}
	if (name)
		P.Py_DecRef(name);
	if (lines)
		P.Py_DecRef(lines);
}

/* _io.TextIOWrapper, as the interpreter made it (borrowed), or NULL. */
static PyObject *text_io_type(void)
{
	static PyObject *type;
	PyObject *modules, *io;

	if (type)
		return type;
	modules = P.PySys_GetObject("modules");
	io = modules ? P.PyDict_GetItemString(modules, "_io") : NULL;
	type = io ? P.PyObject_GetAttrString(io, "TextIOWrapper") : NULL;	/* kept */
	P.PyErr_Clear();
	return type;
}

/*
 * sys.stdout or sys.stderr (borrowed: no import the program could see),
 * flushed so that the report follows what the program wrote -- if it is
 * the interpreter's own text stream.  A stream object of the program's is
 * not called: its flush may take a lock its write holds while a selected
 * function it called reports (a deadlock), or raise into the program.
 */
static void flush_python_stream(const char *name)
{
	PyObject *stream = P.PySys_GetObject(name), *flush, *r;

	if (!stream || stream == P.none || !text_io_type() ||
	    *(PyObject **)((char *)stream + 8) != text_io_type())	/* ob_type */
		return;
	flush = P.PyObject_GetAttrString(stream, "flush");
	r = flush ? P.PyObject_CallObject(flush, NULL) : NULL;
	if (r)
		P.Py_DecRef(r);
	if (flush)
		P.Py_DecRef(flush);
	settle_error("flush of the report's stream", false);
}

/*
 * Opens the report file (output/sink.c: out_file_open), or returns -1 after
 * saying why, once.  It is opened for each report and closed after it, so
 * the host holds no descriptor of ours between reports (a program listing
 * its fds sees nothing extra), except a FIFO's, which must stay open.
 */
static int open_output(void)
{
	int fd;

	if (out_file_failed)
		return -1;
	fd = out_file_open(cfg.path_given, cfg.path);
	out_file_failed = fd == -1;	/* -2: tried again next report */
	return fd < 0 ? -1 : fd;
}

/* This thread is running a collection (see py_gc_phase): gc.callbacks
 * are called on the collecting thread, which may let the GIL go to other
 * threads meanwhile (a finalizer that sleeps). */
static __thread bool gc_collecting __attribute__((tls_model("initial-exec")));

/* Reports being written, by every thread and by this one: the exit waits
 * for the others' (see wait_for_reports). */
static atomic_int reports_writing;
static __thread int reports_writing_here __attribute__((tls_model("initial-exec")));

static void report(struct attr_inv *v, bool unfinished)
{
	struct code_info *ci = v->ci;
	struct out_row *rows = calloc((size_t)ci->nrows, sizeof(*rows));
	struct out_style style = { cfg.format, cfg.logger, cfg.precision, cfg.increments_only };
	PyObject *name_keep, **keeps = calloc((size_t)ci->nrows, sizeof(*keeps));
	/* inside a collection, logging may hold a lock: stderr, without Python
	 * (not even sys.stderr's flush) */
	bool raw = cfg.output == ATTR_OUT_LOGGING && gc_collecting;
	enum attr_output output = raw ? ATTR_OUT_STDERR : cfg.output;
	struct out_report r = { output == ATTR_OUT_LOGGING ? utf8_of(ci->filename, &name_keep) :
							   fs_bytes_of(ci->filename, &name_keep),
				rows, ci->nrows, unfinished,
				false };
	struct out_sink sink = { out_fd_line, NULL };
	struct out_fd_text text = { 2, NULL, 0, 0 };
	int file = -1;
	PyObject *lines = NULL;
	/* held until the program's handlers have given way (signals_wait) */
	bool held = output == ATTR_OUT_LOGGING && signals_hold();

	wait_settle(v);		/* unfinished, at exit: where it waits */
	atomic_fetch_add(&reports_writing, 1);
	reports_writing_here++;
	if (!rows || !keeps || !r.filename) {
		memory_out(1, "report");
		goto out;
	}
	for (int i = 0; i < ci->nrows; i++) {
		size_t len;
		const char *text = utf8_len_of(P.PyList_GetItem(ci->texts, i), &keeps[i], &len);

		rows[i].lineno = ci->first + i;
		rows[i].text = text ? text : "";
		rows[i].text_len = text ? len : 0;
		rows[i].inc = v->hot.rows[i].inc;
		rows[i].mem = v->hot.rows[i].mem;
		rows[i].occ = v->hot.rows[i].occ;
		rows[i].ran = rows[i].occ > 0;
	}
	/* bytes counted by code unit: onto their lines, Increment only */
	for (ssize_t u = 0; v->hot.by_unit && u < v->nunits; u++) {
		int64_t b = v->hot.by_unit[u];
		int i;

		if (!b)
			continue;
		i = P.PyCode_Addr2Line(ci->code, (int)(u * 2)) - ci->first;
		if (i < 0 || i >= ci->nrows)
			i = 0;
		rows[i].inc += b;
		rows[i].inc_known = true;
	}
	r.line_events_lost = v->hot.by_unit != NULL;
	/* the def (or first decorator) row: usage at entry, one per call */
	rows[0].ran = true;
	if (!v->line_seen)
		rows[0].occ = 1;
	if (raw) {
		static bool said;

		if (!said) {
			said = true;
			out_notice("MEMLINE_OUTPUT=logging: a selected function ended inside garbage "
				   "collection (a __del__ or weakref callback called it), where "
				   "logging may hold a lock; its reports go to stderr");
		}
	}
	switch (output) {
	case ATTR_OUT_LOGGING:
		sink.write = logging_write;
		lines = P.PyList_New(0);
		break;
	case ATTR_OUT_FILE:
		file = open_output();
		if (file >= 0) {
			text.fd = file;
			break;
		}
		/* could not open: stderr */
		__attribute__((fallthrough));
	case ATTR_OUT_STDERR:
		if (!raw)
			flush_python_stream("stderr");
		text.fd = 2;
		break;
	case ATTR_OUT_STDOUT:
		flush_python_stream("stdout");
		text.fd = 1;
		break;
	}
	sink.ctx = output == ATTR_OUT_LOGGING ? (void *)lines : (void *)&text;
	if (!out_report(&r, &style, &sink))
		memory_out(1, "report");
	if (output == ATTR_OUT_LOGGING)
		logging_emit(lines);
	else
		out_fd_flush(&text);
	if (file >= 0)
		close(file);
out:
	for (int i = 0; keeps && i < ci->nrows; i++)
		if (keeps[i])
			P.Py_DecRef(keeps[i]);
	free(keeps);
	if (name_keep)
		P.Py_DecRef(name_keep);
	free(rows);
	P.PyErr_Clear();
	reports_writing_here--;
	atomic_fetch_sub(&reports_writing, 1);
	if (held)
		signals_let_go();
}

/*
 * At exit, the reports other threads are writing: a daemon thread in the
 * middle of one (the logging sink runs the program's handlers, and lets
 * other threads run meanwhile) would be stopped for good by the
 * interpreter's finalisation, its report cut short or lost.  They are
 * waited for, with the GIL released, a second at most.
 */
static void wait_for_reports(void)
{
	for (int i = 0; i < 1000 && atomic_load(&reports_writing) > reports_writing_here; i++) {
		struct timespec ms = { 0, 1000000 };
		void *ts = P.PyEval_SaveThread();

		nanosleep(&ms, NULL);
		P.PyEval_RestoreThread(ts);
	}
}

static void defer(struct attr_inv *v)
{
	struct attr_inv *d = calloc(1, sizeof(*d));

	if (!d) {
		deferred_lost++;
		return;
	}
	d->ci = v->ci;
	d->hot.rows = v->hot.rows;	/* taken over */
	v->hot.rows = NULL;
	d->hot.by_unit = v->hot.by_unit;
	d->nunits = v->nunits;
	d->line_seen = v->line_seen;
	v->hot.by_unit = NULL;
	*deferred_end = d;
	deferred_end = &d->next_all;
}

static struct attr_inv *deferred_take(void)
{
	struct attr_inv *d = deferred;

	if (d) {
		deferred = d->next_all;
		if (!deferred)
			deferred_end = &deferred;
	}
	return d;
}

static void deferred_free(struct attr_inv *d)
{
	free(d->hot.rows);
	free(d->hot.by_unit);
	free(d);
}

/* One notice per function whose calls were lost for want of C stack. */
static void say_lost(void)
{
	struct code_info *ci, *tmp;

	HASH_ITER(hh, codes, ci, tmp) {
		PyObject *name, *keep = NULL;
		const char *text;
		int n = ci->lost;

		if (!n)
			continue;
		ci->lost = 0;
		losses--;
		name = P.PyObject_GetAttrString(ci->code, P.minor >= 11 ? "co_qualname" : "co_name");
		text = name ? utf8_of(name, &keep) : NULL;
		out_notice("%d call%s of %s %s not reported: made where %s thread's C stack was "
			   "nearly full, with too little room for memline to look the function "
			   "up or read its source", n, n == 1 ? "" : "s",
			   text ? text : "a selected function", n == 1 ? "was" : "were",
			   n == 1 ? "its" : "their");
		if (text && keep)
			P.Py_DecRef(keep);
		if (name)
			P.Py_DecRef(name);
		P.PyErr_Clear();
	}
	losses = 0;
}

/*
 * MEMLINE_OUTPUT=logging: a report that ends while garbage collection
 * runs (a selected function a __del__ or weakref callback calls) goes to
 * stderr, as the stderr sink writes it, without Python: the collection may
 * have started anywhere, inside a lock of the program's logging setup too
 * (a QueueListener's thread in queue.get()), which the report would wait
 * on for ever.  Told by gc.callbacks.
 */
static PyObject *py_gc_phase(PyObject *self, PyObject *args)
{
	PyObject *phase = P.PyTuple_GetItem(args, 0);
	const char *text = phase ? P.PyUnicode_AsUTF8(phase) : NULL;

	(void)self;
	P.PyErr_Clear();
	if (text)
		gc_collecting = !strcmp(text, "start");
	P.Py_IncRef(P.none);
	return P.none;
}

/* Writes what waits, while this thread has room for it. */
static void write_deferred(void)
{
	struct attr_inv *d;

	if (!room_for(room_report()))
		return;
	if (losses && finalizing)	/* at exit, each function once, with its count */
		say_lost();
	while (room_for(room_report()) && (d = deferred_take())) {
		report(d, false);
		deferred_free(d);
	}
}

/* The report of an invocation that ended here, or later if there is no
 * room for it here. */
static void report_here_or_later(struct attr_inv *v)
{
	if (!room_for(room_report())) {
		defer(v);
		return;
	}
	write_deferred();
	report(v, false);
}

/* ---- 3.8-3.11: profile and trace functions ---- */

static int trace_cb(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg);

/*
 * The thread's C trace function (PyThreadState.c_tracefunc: offset 64 on
 * 3.8-3.10, 72 on 3.11, checked against the headers).  memline only ever
 * replaces its own or none: a tracer the program installed (a debugger,
 * coverage) stays, and memline gets no line events meanwhile.
 */
static void *tracefunc_of(void *ts)
{
	return *(void **)((char *)ts + (P.minor == 11 ? 72 : 64));
}

/* PyThreadState.c_profilefunc, the field before. */
static void *profilefunc_of(void *ts)
{
	return *(void **)((char *)ts + (P.minor == 11 ? 64 : 56));
}

static bool trace_is(void *ts, void *fn)
{
	return tracefunc_of(ts ? ts : P.PyThreadState_Get()) == fn;
}

/*
 * PyEval_SetTrace raises the "sys.settrace" audit event, and an audit hook
 * written in Python runs right there -- under the frame hook too, as a
 * callee of the selected frame.  memline's own business (busy): the hook
 * passes it through, its bytes are not the line's.
 */
static void quiet_leave(void *ts);
static int *tracing_possible_of(char *t);
static void dispatch_check(int before, int *where);

static void set_trace(Py_tracefunc fn)
{
	char *t = P.PyThreadState_Get();
	int *where = NULL, before = 0;

	quiet_leave(t);		/* the quiet's counts stay CPython's */
	if (P.minor <= 9 && fn) {
		where = tracing_possible_of(t);
		before = where ? *where : 0;
	}
	attr_me.busy++;
	own_depth++;	/* a selected audit hook: no invocation of ours */
	if (P._PyEval_SetTrace) {
		/* 3.9-3.11: a failure (3.10.6+/3.11 refuse a call made while
		 * another is installing a trace function) is ours to drop;
		 * PyEval_SetTrace would print it as an ignored exception */
		struct saved_error e;

		P.PyErr_Fetch(&e.type, &e.value, &e.tb);
		if (P._PyEval_SetTrace(t, fn, NULL) < 0)
			P.PyErr_Clear();
		P.PyErr_Restore(e.type, e.value, e.tb);
	} else {
		P.PyEval_SetTrace(fn, NULL);
	}
	own_depth--;
	attr_me.busy--;
	dispatch_check(before, where);
}

static void trace_on(void)
{
	if (P.minor < 12 && trace_is(NULL, NULL))
		set_trace(trace_cb);
}

static void trace_off_if_idle(void)
{
	if (P.minor < 12 && !attr_me.top && trace_is(NULL, (void *)trace_cb))
		set_trace(NULL);
}

/* Did this frame just yield (true) or return (false)?  3.8-3.11. */
static bool yielded(PyFrameObject *frame, struct code_info *ci)
{
	long lasti = attr_long((PyObject *)frame, "f_lasti");
	const unsigned char *code;
	ssize_t len;

	P.PyErr_Clear();
	if (!ci->co_code || lasti < 0)
		return false;
	code = (const unsigned char *)P.PyBytes_AsString(ci->co_code);
	len = P.PyBytes_Size(ci->co_code);
	if (!code || lasti >= len)
		return false;
	if (code[lasti] == OP_RETURN_VALUE)
		return false;
	if (code[lasti] == OP_YIELD_VALUE)
		return true;
	/* up to 3.10, a suspended YIELD_FROM leaves f_lasti one unit before it */
	return P.minor <= 10 && lasti + 2 < len && code[lasti + 2] == OP_YIELD_FROM;
}

/* 3.11 when the frame hook cannot be installed: call and return events. */
static int profile_cb(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
	struct saved_error e;
	struct attr_inv *top = attr_me.top;

	(void)obj;
	if (what == ATTR_TRACE_CALL && !own_depth) {
		PyObject *code = frame_code(frame);
		struct code_info *ci = code_cached(code);

		if (!ci || ci->selected) {
			enter(&e);
			if (!ci) {
				PyObject *globs = P.PyObject_GetAttrString((PyObject *)frame,
									  "f_globals");

				ci = code_lookup(code, globs, NULL);
				if (globs)
					P.Py_DecRef(globs);
			}
			if (ci && ci->selected) {
				if (ci->generator && find_suspended((PyObject *)frame))
					resume((PyObject *)frame);
				else
					start(ci, (PyObject *)frame);
			}
			leave(&e);
		}
	} else if (what == ATTR_TRACE_RETURN && top && top->frame == (PyObject *)frame) {
		enter(&e);
		if (top->ci->generator && arg && yielded(frame, top->ci))
			suspend(top, arg);
		else
			finish(top);
		leave(&e);
	}
	return 0;
}

/*
 * 3.11 with the frame hook: CPython makes the frame object of a selected
 * call for its call event (sized for the frame's data), and frees it after
 * the frame returns -- after the invocation ended, on the calling line.
 * Neither is the function's line: what lands on the invocation's row
 * between the hook and the call event (and between the return event and
 * the hook's end) is moved to the line that called it, where the free
 * will count.
 */
static void gap_open(struct attr_inv *v)
{
	v->gap = true;
	v->gap_row = v->hot.cur;
	v->gap_base = v->hot.rows[v->gap_row].inc;
}

static void gap_close(struct attr_inv *v)
{
	int64_t moved = v->hot.rows[v->gap_row].inc - v->gap_base;

	v->gap = false;
	v->hot.rows[v->gap_row].inc -= moved;
	if (v->below)
		attr_lines_count(&v->below->hot, moved);
}

/*
 * The line of a line event, as sys.settrace's tracer reads it.  3.8/3.9
 * set PyFrameObject.f_lineno (the int after f_lasti) just before the
 * event, and a Python tracer's frame.f_lineno is that field; but without
 * a Python tracer PyFrame_GetLineNumber answers from f_lasti, which after
 * a backward jump inside one line window (an exception leaving a with
 * block through its exit handler) is another line than the event's.
 */
static int line_of_event(PyFrameObject *frame)
{
	if (P.minor <= 9)
		return *(const int *)((const char *)frame + f_lasti_off + 4);
	return P.PyFrame_GetLineNumber(frame);
}

static int trace_cb(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
	struct attr_inv *top = attr_me.top;

	(void)obj;
	(void)arg;
	if (frames_are_keys && top && top->frame == frame_key(frame)) {
		/* 3.11: the hook opened a gap (gap_open) that the call event
		 * closes; the return event opens another */
		if (what == ATTR_TRACE_CALL && top->gap)
			gap_close(top);
		else if (what == ATTR_TRACE_RETURN && !top->gap)
			gap_open(top);
	}
	if (what == ATTR_TRACE_LINE && top && top->frame == frame_key(frame)) {
		attr_me.busy++;
		line(top, line_of_event(frame));
		attr_me.busy--;
	}
	return 0;
}

/* ---- 3.8-3.10: the PEP 523 frame-evaluation function ---- */

typedef void *(*PyThreadState_Get_fn)(void);

/* PyFrameObject offsets, checked against each version's headers. */
#define F_BACK 24
#define F_GLOBALS 48

typedef PyObject *(*eval38_fn)(PyFrameObject *, int);
typedef PyObject *(*eval39_fn)(void *, PyFrameObject *, int);
static void *prev_eval;		/* the evaluation function we replaced */
static void *interp;
static void **eval_slot;	/* 3.8: the interpreter's eval_frame field */

static bool frame_suspended(PyFrameObject *frame)
{
	const char *f = (const char *)frame;

	if (P.minor <= 9)	/* f_stacktop is kept while suspended */
		return *(PyObject *const *)(f + 72) != NULL;
	return *(const signed char *)(f + 108) == -1;	/* f_state == FRAME_SUSPENDED */
}

static bool quiet_lift(void *ts);
static void quiet_restore(void *ts, bool lifted);

/* A selected frame's evaluation returned: suspended (it yielded) or done. */
/*
 * A signal handler's exception, raised while memline reported at a
 * function's return (its logging sink runs Python), is raised as the
 * function's own: at its return, where the bare program would meet it,
 * inside the caller's try statement -- not at the next step, which may be
 * past it.  If the function raised, the handler's exception takes its
 * place, the function's as its context, as when a handler raises while an
 * exception unwinds.  Not for generators: an error there would end one
 * that only yielded.
 */
static PyObject *raise_at_return(PyObject *r)
{
	PyObject *t, *v, *tb;

	if (!handed_back[0] || P.PyThread_get_thread_ident() != main_ident)
		return r;
	if (r) {
		P.Py_DecRef(r);
		hand_back(NULL);
		return NULL;
	}
	fetch_raised(&t, &v, &tb);
	hand_back(NULL);
	raised_in_place_of(v);
	drop_fetched(t, v, tb);
	return NULL;
}

/*
 * 3.8-3.11: a signal that came while memline reported at a call's return
 * has its handler run there, as CPython runs it at the check that follows
 * a call that returns (3.8-3.10 check before each instruction, 3.11 at
 * the end of CALL) -- and not, when the call raised, at the first
 * instruction of the caller's except clause (3.8-3.10), where the
 * handler's exception escapes the try statement: the time a report takes
 * made that likely for a program whose handler raises on a fast timer.
 * Its exception takes the place of the call's (raised_in_place_of).
 */
static PyObject *signals_at_return(PyObject *r)
{
	PyObject *t, *v, *tb;

	if (finalizing || P.PyThread_get_thread_ident() != main_ident)
		return r;
	if (r) {
		if (P.PyErr_CheckSignals() == 0)
			return r;
		P.Py_DecRef(r);
		return NULL;
	}
	fetch_raised(&t, &v, &tb);
	if (P.PyErr_CheckSignals() == 0) {
		P.PyErr_Restore(t, v, tb);
		return NULL;
	}
	raised_in_place_of(v);
	drop_fetched(t, v, tb);
	return NULL;
}

/* r: what the frame returned or yielded, or NULL */
static void after_eval(PyObject *key, PyObject *r, bool suspended, bool ran)
{
	struct attr_inv *top = attr_me.top;
	struct saved_error e;

	if (!top || top->frame != key)
		return;
	enter(&e);	/* keeps the exception r == NULL carries */
	if (suspended) {
		suspend(top, r);
	} else if (ran) {
		finish(top);
	} else {	/* no call: sys.settrace sees none, 3.12+ no PY_START */
		pop(top);
		drop(top, false);
		trace_off_if_idle();
	}
	leave(&e);
}

/*
 * 3.10 marks a generator's frame as executing only inside the evaluation
 * (3.8/3.9 set gi_running, 3.11 gi_frame_state, before it): while the
 * hook runs Python of its own first -- which may let another thread take
 * the GIL -- that thread's next() on the same generator would find it
 * free and run the same frame at once (SIGSEGV).  The frame says
 * FRAME_EXECUTING meanwhile, so next() there raises "generator already
 * executing", as it would while the generator runs.  PyFrameObject.f_gen
 * precedes f_lasti; f_state (a char) is at 108, checked against 3.10's
 * headers.
 */
#define F_STATE_310 108
#define FRAME_EXECUTING_310 0

static int gen_hold(PyFrameObject *frame)
{
	signed char *state = (signed char *)frame + F_STATE_310;
	int was;

	if (P.minor != 10 || !*(PyObject **)((char *)frame + f_lasti_off - 8))
		return INT32_MIN;
	was = *state;
	*state = FRAME_EXECUTING_310;
	return was;
}

static void gen_release(PyFrameObject *frame, int was)
{
	if (was != INT32_MIN)
		*((signed char *)frame + F_STATE_310) = (signed char)was;
}

static __attribute__((noinline)) PyObject *eval_selected(void *ts, PyFrameObject *frame, int throwflag,
			       struct code_info *ci)
{
	int was = gen_hold(frame);
	bool lifted;
	struct saved_error e;
	PyObject *r;

	enter(&e);
	/* a generator closed (or thrown into) before it ever ran: no line
	 * runs, and 3.12+ do not even run the frame -- not an invocation */
	if (*(const int *)((const char *)frame + f_lasti_off) >= 0)
		resume((PyObject *)frame);
	else if (!throwflag)
		start(ci, (PyObject *)frame);
	leave(&e);
	gen_release(frame, was);
	lifted = quiet_lift(ts);
	r = P.minor == 8 ? ((eval38_fn)prev_eval)(frame, throwflag) :
			   ((eval39_fn)prev_eval)(ts, frame, throwflag);
	quiet_restore(ts, lifted);
	/* RecursionError before the first instruction: f_lasti still -1 */
	after_eval((PyObject *)frame, r, r && ci->generator && frame_suspended(frame),
		   r || *(const int *)((const char *)frame + f_lasti_off) >= 0);
	return ci->generator ? r : signals_at_return(raise_at_return(r));
}

/*
 * A function the selected frame calls runs without line events: its bytes
 * count on the calling line all the same (attr_lines_delta reads the
 * thread's top invocation), and nothing below it pays for events only the
 * selected frame needs.  The thread's "tracing" count is raised around it,
 * as CPython does while a tracer runs: the trace function stays installed
 * (PyEval_SetTrace would raise an audit event, and a Python audit hook
 * could then run -- and handle a pending signal -- where the program never
 * ran one).  3.11's PyThreadState_EnterTracing also turns the tracing
 * dispatch off; before, the count only silences the callbacks.
 *
 * Only when memline's is the thread's trace function and no profile
 * function is set, and never against the program: a C audit hook sees
 * sys.settrace and sys.setprofile (pdb, coverage, cProfile starting inside
 * the callee) and lowers the count there and then.  A selected function
 * called inside lowers it for its own run.
 */
static bool quiet_allowed;	/* the audit hook is in */
static __thread bool quiet_on __attribute__((tls_model("initial-exec")));

static bool quiet_possible(char *t)
{
	return quiet_allowed && !quiet_on && tracefunc_of(t) == (void *)trace_cb &&
	       profilefunc_of(t) == NULL;
}

/*
 * 3.8-3.10: what else CPython switches off while its own tracer runs
 * (call_trace), so that the quiet callee also runs at full speed: 3.10's
 * CFrame.use_tracing (PyThreadState.cframe, offset 48) sends every
 * instruction to the tracing dispatch; 3.8/3.9's PyThreadState.use_tracing
 * (offset 48) guards the call and return paths, and the interpreter's
 * tracing_possible count (of threads with a trace function) sends every
 * instruction to the slow dispatch, so this thread's share of it is taken
 * back meanwhile.  Offsets checked against the 3.8/3.9 internal headers
 * (_PyRuntime + 588; PyInterpreterState + 68) and at run time: the count
 * must have risen by one when memline set its trace function
 * (dispatch_check), or it is left alone.  3.11's EnterTracing does its own.
 */
static int *tracing_possible;	/* 3.8/3.9, once checked */
static __thread bool quiet_took_count __attribute__((tls_model("initial-exec")));

static int *tracing_possible_of(char *t)
{
	char *base;

	if (P.minor == 8) {
		base = dlsym(RTLD_DEFAULT, "_PyRuntime");
		return base ? (int *)(base + 588) : NULL;
	}
	base = *(char **)(t + 16);	/* PyThreadState.interp */
	return base ? (int *)(base + 68) : NULL;
}

/* Around memline's own PyEval_SetTrace(trace_cb) on 3.8/3.9. */
static void dispatch_check(int before, int *where)
{
	if (!tracing_possible && where && *where == before + 1)
		tracing_possible = where;
}

static void dispatch_off(char *t)
{
	if (P.minor == 10) {
		**(int **)(t + 48) = 0;
	} else if (P.minor <= 9 && tracing_possible) {
		*(int *)(t + 48) = 0;
		--*tracing_possible;
		quiet_took_count = true;
	}
}

static void dispatch_on(char *t)
{
	int on = tracefunc_of(t) != NULL || profilefunc_of(t) != NULL;

	if (P.minor == 10) {
		**(int **)(t + 48) = on;
	} else if (P.minor <= 9 && quiet_took_count) {
		++*tracing_possible;
		quiet_took_count = false;
		*(int *)(t + 48) = on;
	}
}

static bool quiet_enter(void *ts)
{
	char *t = ts ? ts : P.PyThreadState_Get();

	if (!quiet_possible(t))
		return false;
	tracing_count(t, true);
	dispatch_off(t);
	quiet_on = true;
	return true;
}

/* Ends the quiet (if the audit hook has not ended it already). */
static void quiet_leave(void *ts)
{
	char *t;

	if (!quiet_on)
		return;
	t = ts ? ts : P.PyThreadState_Get();
	quiet_on = false;
	dispatch_on(t);
	tracing_count(t, false);
}

/*
 * The program set the main thread's tracer while memline's was on: at
 * CPython's next check (before the next instruction on 3.8-3.10, at the
 * end of the call of sys.settrace on 3.11), memline's goes back if the
 * program only cleared it -- sys.settrace(None), or sys.settrace of what
 * sys.gettrace() said, None, as doctest and other save-and-restore code
 * do: no tracer was on, none is, and no line event is missed.  A tracer
 * of the program's has the thread instead: the running invocations
 * count by code unit from here (lose_line_events).
 */
static bool retrace_queued;

static int retrace(void *arg)
{
	(void)arg;
	retrace_queued = false;
	if (!attr_me.top || trace_is(NULL, (void *)trace_cb))
		return 0;
	if (trace_is(NULL, NULL))
		set_trace(trace_cb);
	else
		all_running_lose_line_events();
	return 0;
}

static int quiet_audit(const char *event, PyObject *args, void *data)
{
	bool settrace = !strcmp(event, "sys.settrace");

	(void)args;
	(void)data;
	if (attr_me.busy || (!settrace && strcmp(event, "sys.setprofile")))
		return 0;
	if (quiet_on)
		quiet_leave(NULL);
	if (!settrace)
		return 0;
	/* the program sets or clears the thread's tracer: memline's, which
	 * the running invocations had, is gone -- for good if the program's
	 * takes its place (the audit event does not say which) */
	if (attr_me.top && trace_is(NULL, (void *)trace_cb) &&
	    P.PyThread_get_thread_ident() == main_ident &&
	    (retrace_queued || P.Py_AddPendingCall(retrace, NULL) == 0)) {
		retrace_queued = true;
		return 0;
	}
	all_running_lose_line_events();
	return 0;
}

static void quiet_install(void)
{
	struct saved_error e;

	if (P.minor > 11 || !P.PySys_AddAuditHook ||
	    (P.minor == 11 && !(P.PyThreadState_EnterTracing && P.PyThreadState_LeaveTracing)))
		return;
	enter(&e);	/* a Python audit hook may refuse it: then no quiet */
	quiet_allowed = P.PySys_AddAuditHook(quiet_audit, NULL) == 0;
	leave(&e);
}

static PyObject *eval_untraced(void *ts, PyFrameObject *frame, int throwflag)
{
	bool quiet = quiet_enter(ts);
	PyObject *r;

	r = P.minor == 8 ? ((eval38_fn)prev_eval)(frame, throwflag) :
			   ((eval39_fn)prev_eval)(ts, frame, throwflag);
	if (quiet)
		quiet_leave(ts);
	return r;
}

/* Around a selected frame's run: no quiet, which would hide its lines. */
static bool quiet_lift(void *ts)
{
	if (!quiet_on)
		return false;
	quiet_leave(ts);
	return true;
}

static void quiet_restore(void *ts, bool lifted)
{
	if (lifted)
		quiet_enter(ts);
}

/* A code met for the first time: selected or not. */
static __attribute__((noinline)) uintptr_t lookup_tagged(PyFrameObject *frame)
{
	struct saved_error e;
	struct code_info *ci;
	int was = gen_hold(frame);

	enter(&e);
	ci = code_lookup(frame_code(frame), *(PyObject **)((char *)frame + F_GLOBALS), NULL);
	leave(&e);
	gen_release(frame, was);
	return tag(ci);
}

/*
 * Codes met for the first time, selected ones, and callees of a selected
 * frame; eval_frame keeps the common case short.  No local here has its
 * address taken, so that the calls that end it are tail calls: a deep
 * recursion under a selected function costs no C stack of ours per level
 * (the recursive calls of a selected function are callees of its
 * outermost invocation).
 */
/*
 * 3.8-3.11: a selected generator's frame that memline does not track (a
 * recursion through yield from or await: start), resumed or starting, is
 * evaluated as any callee's -- no C stack of ours on each level of a deep
 * chain.  No Python here: a code whose yield froms are not known yet, or
 * a frame suspended as an invocation, takes the slow way.
 */
static bool gen_untracked(PyObject *frame, struct code_info *ci, int throwflag, bool first_run)
{
	if (!first_run)
		return !find_suspended(frame);
	if (throwflag)	/* thrown into before it ran: not an invocation */
		return true;
	return running_of(ci) && started_by_send(ci, frame, false);
}

static __attribute__((noinline)) PyObject *eval_frame_slow(void *ts, PyFrameObject *frame,
							    int throwflag, uintptr_t tagged)
{
	struct attr_inv *top;

	if (tagged == 0 && !attr_me.busy)
		tagged = lookup_tagged(frame);
	if ((tagged & 1) && !own_depth &&
	    (untag(tagged)->generator ? !gen_untracked((PyObject *)frame, untag(tagged), throwflag,
						       *(const int *)((const char *)frame + f_lasti_off) < 0) :
					!recursive(untag(tagged))))
		return eval_selected(ts, frame, throwflag, untag(tagged));
	top = attr_me.top;
	if (top && *(PyObject **)((char *)frame + F_BACK) == top->frame && !attr_me.busy)
		return eval_untraced(ts, frame, throwflag);
	if (P.minor == 8)
		return ((eval38_fn)prev_eval)(frame, throwflag);
	return ((eval39_fn)prev_eval)(ts, frame, throwflag);
}

/* 3.8-3.10 PyFrameObject.f_code: the fifth pointer */
#define FRAME_CODE(frame) (((PyObject **)(frame))[4])

/* A known, unselected code, and nothing selected running on this thread:
 * the eval hooks only pass it on. */
static inline bool pass_on(uintptr_t tagged)
{
	return __builtin_expect(tagged != 0 && !(tagged & 1) && !attr_me.top, 1);
}

static PyObject *eval_frame(void *ts, PyFrameObject *frame, int throwflag)
{
	uintptr_t tagged = code_tagged(FRAME_CODE(frame));

	if (pass_on(tagged))
		return ((eval39_fn)prev_eval)(ts, frame, throwflag);
	return eval_frame_slow(ts, frame, throwflag, tagged);
}

static PyObject *eval_frame38(PyFrameObject *frame, int throwflag)
{
	uintptr_t tagged = code_tagged(FRAME_CODE(frame));

	if (pass_on(tagged))
		return ((eval38_fn)prev_eval)(frame, throwflag);
	return eval_frame_slow(NULL, frame, throwflag, tagged);
}

/* ---- 3.11: the same hook, given a _PyInterpreterFrame ---- */

/* Offsets, checked against 3.11's headers (pyenv 3.11.7, Debian 3.11.2). */
#define IF_GLOBALS 8		/* _PyInterpreterFrame.f_globals */
#define IF_CODE 32		/* .f_code */
#define TS_CFRAME 56		/* PyThreadState.cframe */
#define CF_CURRENT 8		/* _PyCFrame.current_frame */
#define GEN_STATE 75		/* PyGenObject.gi_frame_state: -1 suspended */

/*
 * Each Python call now recurses in C.  Where a thread's stack ends is
 * asked once per thread; below STACK_MARGIN (or a quarter of a stack under
 * four times that) the hook takes itself out, so calls are inlined again.
 * A thread whose whole stack is under STACK_MARGIN has no room for it: the
 * hook steps aside at the thread's first call.  Else the few Python calls
 * that start any thread (threading's _bootstrap, _bootstrap_inner, run),
 * made while the hook is set, keep their C frames (some 1.7 KiB) for the
 * thread's life, which a program recursing through C calls to within that
 * of a 32 KiB stack's end would overflow.
 */
#define STACK_MARGIN (256 * 1024)
static __thread uintptr_t stack_floor __attribute__((tls_model("initial-exec"))) = UINTPTR_MAX;
					/* UINTPTR_MAX: not asked yet */
static atomic_bool hook_given_up;

static PyObject *eval_frame311(void *ts, void *iframe, int throwflag);

static void stack_floor_init(void)
{
	uintptr_t lo, hi;
	size_t margin;

	if (!attr_stack_bounds(&lo, &hi)) {
		stack_floor = 1;	/* unknown: no check */
		return;
	}
	if (hi - lo < STACK_MARGIN)
		margin = hi - lo;
	else
		margin = (hi - lo) / 4 < STACK_MARGIN ? (hi - lo) / 4 : STACK_MARGIN;
	stack_floor = lo + margin;
}

static void give_up_hook(void)
{
	uintptr_t lo, hi;

	if (atomic_exchange(&hook_given_up, true))
		return;
	/* only if nobody chained after us; else stay, passing everything on */
	if (P._PyInterpreterState_GetEvalFrameFunc(interp) == (void *)eval_frame311)
		P._PyInterpreterState_SetEvalFrameFunc(interp, prev_eval);
	if (attr_stack_bounds(&lo, &hi) && hi - lo < STACK_MARGIN)
		out_notice("a thread with a C stack of %zu KiB (threading.stack_size) runs "
			   "Python, and on 3.11 memline's frame hook takes C stack at every "
			   "Python call; line reports stop here, in every thread, so that the "
			   "program runs on", (size_t)(hi - lo) / 1024);
	else
		out_notice("the C stack of a thread is nearly full (deep recursion, which Python "
			   "3.11 runs without C stack unless a frame hook is set); line reports "
			   "stop here so that the program runs on");
}

/*
 * Did the frame run an instruction?  Not if the call failed at entry
 * (RecursionError): _PyInterpreterFrame.prev_instr (56) is still one unit
 * before PyCodeObject.co_code_adaptive (184).  3.11's headers.
 */
#define IF_PREV_INSTR 56
#define CODE_ADAPTIVE 184

static bool iframe_ran(void *iframe)
{
	const char *f = iframe, *code = *(const char *const *)(f + IF_CODE);

	return *(const char *const *)(f + IF_PREV_INSTR) != code + CODE_ADAPTIVE - 2;
}

static bool is_suspended_gen(void *iframe)
{
	const char *f = iframe;

	return f[IF_OWNER] == 1 && (int8_t)f[GEN_STATE - GEN_IFRAME] == -1;
}

static PyObject *eval_selected311(void *ts, void *iframe, int throwflag, struct code_info *ci)
{
	struct saved_error e;
	struct attr_inv *top;
	PyObject *r;
	bool lifted;

	enter(&e);
	if (ci->generator && find_suspended(iframe)) {
		resume(iframe);
	} else if (!throwflag) {	/* thrown into before it ran: see eval_selected */
		start(ci, iframe);
		top = attr_me.top;
		if (top && top->frame == (PyObject *)iframe && trace_is(ts, (void *)trace_cb))
			gap_open(top);	/* until the call event: trace_cb */
	}
	leave(&e);
	lifted = quiet_lift(ts);
	r = ((eval39_fn)prev_eval)(ts, iframe, throwflag);
	top = attr_me.top;
	if (top && top->frame == (PyObject *)iframe)
		top->frame_gone = true;
	quiet_restore(ts, lifted);
	if (top && top->frame == (PyObject *)iframe && top->gap)
		gap_close(top);	/* no call event came, or the return one did */
	after_eval(iframe, r, r && ci->generator && is_suspended_gen(iframe), r || iframe_ran(iframe));
	return ci->generator ? r : signals_at_return(raise_at_return(r));
}

/* The key of the frame that runs a starting frame (see started_by_send). */
static void *caller_key(PyObject *frame)
{
	char *f = (char *)frame, *ts, *iframe;

	if (P.minor <= 10)	/* set before the evaluation function runs */
		return *(void **)(f + F_BACK);
	if (frames_are_keys) {	/* 3.11: not linked yet, the thread's current */
		ts = P.PyThreadState_Get();
		return *(void **)(*(char **)(ts + TS_CFRAME) + CF_CURRENT);
	}
	if (P.minor >= 12) {	/* _PyInterpreterFrame.previous: 8 */
		iframe = *(char **)(f + FO_IFRAME);
		return iframe ? *(void **)(iframe + 8) : NULL;
	}
	return NULL;		/* 3.11's profile function: not looked at */
}

/*
 * The code unit a running frame (caller_key's kind) is at, and its code,
 * or -1: 3.8-3.10 a frame object's f_lasti; 3.11 the interpreter frame's
 * prev_instr; 3.12+ the interpreter frame's frame object (frame_obj, 48),
 * if it has one, asked (PyFrame_GetLasti).
 */
static ssize_t frame_unit(void *caller, PyObject **code)
{
	char *f = caller;
	int lasti;

	if (P.minor <= 10 || frames_are_keys)
		return unit_of(f, code);
	/* owner (70): the thread's or a generator's, not a C entry frame,
	 * whose other fields are not set */
	if (P.minor >= 12 && (f[70] == 0 || f[70] == 1) && *(void **)(f + 48) &&
	    P.PyFrame_GetLasti) {
		*code = *(PyObject **)f;	/* f_code, 3.13 f_executable */
		lasti = P.PyFrame_GetLasti(*(PyFrameObject **)(f + 48));
		return lasti < 0 ? -1 : lasti / 2;
	}
	return -1;
}

/* A 3.11 generator's first run: its frame stands on RETURN_GENERATOR (75),
 * which made the generator from it. */
static bool gen_first_run311(void *iframe)
{
	return **(const uint8_t *const *)((const char *)iframe + IF_PREV_INSTR) == 75;
}

static __attribute__((noinline)) PyObject *eval_frame311_slow(void *ts, void *iframe,
								int throwflag, uintptr_t tagged)
{
	char *f = iframe;
	PyObject *code = *(PyObject **)(f + IF_CODE);
	struct code_info *ci;
	struct attr_inv *top;
	void *caller;

	if (__builtin_expect(stack_floor == UINTPTR_MAX, 0))
		stack_floor_init();
	if (__builtin_expect((uintptr_t)__builtin_frame_address(0) < stack_floor, 0) ||
	    atomic_load_explicit(&hook_given_up, memory_order_relaxed)) {
		give_up_hook();
		return ((eval39_fn)prev_eval)(ts, iframe, throwflag);
	}
	if (tagged == 0 && !attr_me.busy) {
		struct saved_error e;

		enter(&e);
		ci = code_lookup(code, *(PyObject **)(f + IF_GLOBALS), *(PyObject **)f);
		leave(&e);
		tagged = tag(ci);
	}
	/* a generator function's call only makes the generator (its frame,
	 * owned by the thread, runs RETURN_GENERATOR): the generator's own
	 * frame is the invocation */
	ci = untag(tagged);
	if ((tagged & 1) && (!ci->generator || f[IF_OWNER] == 1) && !own_depth &&
	    !(ci->generator && gen_untracked(iframe, ci, throwflag, gen_first_run311(iframe))))
		return eval_selected311(ts, iframe, throwflag, ci);
	top = attr_me.top;
	if (top && !attr_me.busy) {
		/* the frame that calls this one: not linked into it yet */
		caller = *(void **)(*(char **)((char *)ts + TS_CFRAME) + CF_CURRENT);
		if (caller == (void *)top->frame)
			return eval_untraced(ts, iframe, throwflag);
	}
	return ((eval39_fn)prev_eval)(ts, iframe, throwflag);
}

/* The common case: a known, unselected code, nothing selected running on
 * this thread, and room on the C stack. */
static PyObject *eval_frame311(void *ts, void *iframe, int throwflag)
{
	uintptr_t tagged = code_tagged(*(PyObject **)((char *)iframe + IF_CODE));

	if (pass_on(tagged) && (uintptr_t)__builtin_frame_address(0) >= stack_floor &&
	    !atomic_load_explicit(&hook_given_up, memory_order_relaxed))
		return ((eval39_fn)prev_eval)(ts, iframe, throwflag);
	return eval_frame311_slow(ts, iframe, throwflag, tagged);
}

static bool install_eval_frame(void)
{
	void *dflt = (void *)P._PyEval_EvalFrameDefault;

	f_lasti_off = P.minor <= 9 ? 104 : 96;
	if (P.minor >= 9) {
		PyThreadState_Get_fn get = (PyThreadState_Get_fn)dlsym(RTLD_DEFAULT,
									  "PyInterpreterState_Get");

		interp = get ? get() : NULL;
		if (!interp || !P._PyInterpreterState_SetEvalFrameFunc ||
		    !P._PyInterpreterState_GetEvalFrameFunc)
			return false;
		prev_eval = P._PyInterpreterState_GetEvalFrameFunc(interp);
		if (P.minor == 11) {
			frames_are_keys = true;
			P._PyInterpreterState_SetEvalFrameFunc(interp, (void *)eval_frame311);
		} else {
			P._PyInterpreterState_SetEvalFrameFunc(interp, (void *)eval_frame);
		}
		return true;
	}
	/* 3.8 has no setter: find the field that holds the default function */
	interp = P._PyInterpreterState_Get ? P._PyInterpreterState_Get() : NULL;
	if (!interp || !dflt)
		return false;
	for (size_t i = 0; i < 1024 && !eval_slot; i++)
		if (((void **)interp)[i] == dflt)
			eval_slot = &((void **)interp)[i];
	if (!eval_slot)
		return false;
	prev_eval = *eval_slot;
	*eval_slot = (void *)eval_frame38;
	return true;
}

static PyObject *py_thread_start(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	P.PyEval_SetProfile(profile_cb, NULL);
	P.Py_IncRef(P.none);
	return P.none;
}

/* ---- 3.12+: sys.monitoring callbacks (METH_FASTCALL) ---- */

typedef PyObject *(*fastcall)(PyObject *, PyObject *const *, ssize_t);

static PyObject *none(void)
{
	P.Py_IncRef(P.none);
	return P.none;
}

static PyObject *current_frame(void)
{
	return (PyObject *)P.PyEval_GetFrame();
}

/*
 * 3.12+, on every LINE and JUMP event of a selected function: is the
 * running frame the invocation's?  Compared as interpreter frames, which
 * needs no frame object.  Offsets checked against the 3.12/3.13 headers:
 * PyFrameObject.f_frame 24; 3.12 PyThreadState.cframe 56 and
 * _PyCFrame.current_frame 0; 3.13 PyThreadState.current_frame 72.
 */
static void *running_iframe(void)
{
	char *ts = P.PyThreadState_Get();

	if (P.minor == 12)
		return **(void ***)(ts + 56);
	return *(void **)(ts + 72);
}

static bool is_running(struct attr_inv *v)
{
	return v->iframe ? v->iframe == running_iframe() : v->frame == current_frame();
}

/* A small int's value (3.12+ compact longs), else CPython's answer. */
static long small_long(PyObject *o)
{
	uintptr_t tag = *(uintptr_t *)((char *)o + 16);

	if (tag < (2 << 3))	/* at most one 30-bit digit */
		return (long)(1 - (long)(tag & 3)) * (long)*(uint32_t *)((char *)o + 24);
	return P.PyLong_AsLong(o);
}

/*
 * 3.12+: the program's exception handed back while a monitoring callback
 * ran (a signal handler inside memline's Python) is raised by the
 * callback itself -- CPython raises it where the event is, in the
 * program's frame -- rather than at the next check, which may be after
 * the program's try statement has ended.
 */
static PyObject *mon_result(PyObject *ok)
{
	if (handed_back[0] && P.PyThread_get_thread_ident() == main_ident) {
		P.Py_DecRef(ok);
		hand_back(NULL);
		return NULL;
	}
	return ok;
}

/*
 * 3.12+: the function of the frame that raised PY_START (the current
 * interpreter frame: PyThreadState.cframe->current_frame on 3.12, offsets
 * 56 and 0; PyThreadState.current_frame on 3.13, 72), f_funcobj at 16.
 * Trusted only if the frame's f_globals (24) are the running globals.
 */
static PyObject *running_function(void)
{
	char *t = P.PyThreadState_Get(), *f;

	if (!t || (P.minor != 12 && P.minor != 13))
		return NULL;
	f = P.minor == 12 ? **(char ***)(t + 56) : *(char **)(t + 72);
	if (!f || *(PyObject **)(f + 24) != P.PyEval_GetGlobals())
		return NULL;
	return *(PyObject **)(f + 16);
}

static PyObject *mon_start(PyObject *self, PyObject *const *args, ssize_t n)
{
	struct saved_error e;
	struct code_info *ci;
	PyObject *code = args[0];

	(void)self;
	(void)n;
	enter(&e);
	ci = code_cached(code);
	if (!ci) {	/* the running frame's globals: no frame object made */
		ci = code_lookup(code, P.PyEval_GetGlobals(), running_function());
		if (!ci) {	/* no answer: ask again at the next call */
			leave(&e);
			return mon_result(none());
		}
	}
	if (!ci->selected) {
		leave(&e);
		P.Py_IncRef(disable);
		return mon_result(disable);
	}
	if (!ci->local_events) {
		PyObject *r = own_call(select_fn, "select", "(O)", code, NULL);
		bool gone = r && !P.PyObject_IsTrue(r);

		if (r)
			P.Py_DecRef(r);
		if (gone) {	/* the program freed memline's tool id: no line
				 * or return events would come (said at exit) */
			leave(&e);
			return mon_result(none());
		}
		ci->local_events = true;
	}
	if (ci->generator || !recursive(ci)) {
		/*
		 * The invocation is keyed by the frame object, which CPython
		 * makes here and frees after the frame returns, on the
		 * calling line: its bytes count there too (net nothing), not
		 * as memline's -- or that line would show only the free.
		 */
		PyObject *frame;

		attr_me.busy--;
		frame = current_frame();
		attr_me.busy++;
		if (frame)
			start(ci, frame);
	}
	leave(&e);
	return mon_result(none());
}

static PyObject *mon_resume(PyObject *self, PyObject *const *args, ssize_t n)
{
	struct saved_error e;
	struct code_info *ci;
	PyObject *code = args[0];

	(void)self;
	(void)n;
	ci = code_cached(code);
	if (!ci || !ci->selected)	/* PY_THROW is global */
		return none();
	/* nothing to resume (a recursion's inner generators are not tracked:
	 * start) */
	if (!suspended_n)
		return none();
	enter(&e);
	resume(current_frame());
	leave(&e);
	return none();
}

/*
 * 3.13 handles pending signals at a generator's resume point after a yield
 * before it raises PY_RESUME: a handler's exception (KeyboardInterrupt)
 * is raised there, inside the generator, with no resume event.  Its next
 * event (a line of an except clause, a yield, PY_UNWIND) finds the frame
 * of a suspended invocation running: it resumes then.  The top
 * invocation after, or NULL.
 */
static struct attr_inv *resumed_late(PyObject *code)
{
	struct code_info *ci;
	struct attr_inv *top;
	struct saved_error e;

	if (!suspended_n || !(ci = code_cached(code)) || !ci->selected || !ci->generator)
		return NULL;
	enter(&e);
	resume(current_frame());
	leave(&e);
	top = attr_me.top;
	return top && top->ci == ci && is_running(top) ? top : NULL;
}

static PyObject *mon_leave(bool yielding, PyObject *code, PyObject *value)
{
	struct attr_inv *top = attr_me.top;	/* PY_UNWIND is global: compare cheaply first */
	struct saved_error e;
	bool at_return = false;

	if (!(top && top->ci->code == code && is_running(top)))
		top = resumed_late(code);
	if (top) {
		at_return = !yielding && !top->ci->generator;
		enter(&e);
		if (yielding)
			suspend(top, value);
		else
			finish(top);
		leave(&e);
	}
	/* a signal that came while the report was made: its handler runs at
	 * the return, as signals_at_return does before 3.12 -- as the
	 * program's code, seen by tracers and monitoring (CPython raises the
	 * tracing count around a callback) */
	if (at_return && !handed_back[0] && !finalizing &&
	    P.PyThread_get_thread_ident() == main_ident) {
		void *ts = P.PyThreadState_Get();
		int rc;

		P.PyThreadState_LeaveTracing(ts);
		rc = P.PyErr_CheckSignals();
		P.PyThreadState_EnterTracing(ts);
		if (rc < 0)
			return NULL;
	}
	return mon_result(none());
}

static PyObject *mon_yield(PyObject *self, PyObject *const *args, ssize_t n)
{
	(void)self;
	return mon_leave(true, args[0], n > 2 ? args[2] : NULL);
}

static PyObject *mon_return(PyObject *self, PyObject *const *args, ssize_t n)
{
	(void)self;
	(void)n;
	return mon_leave(false, args[0], NULL);
}

/* (code, offset, exception): a signal handler's exception raised in the
 * report takes the place of the one unwinding, as at 3.8-3.11's return */
static PyObject *mon_unwind(PyObject *self, PyObject *const *args, ssize_t n)
{
	PyObject *r = mon_leave(false, args[0], NULL);

	(void)self;
	if (!r && n > 2)
		raised_in_place_of(args[2]);
	return r;
}

/* The line of each code unit, as a C array (once per selected code). */
static bool load_unit_lines(struct code_info *ci)
{
	PyObject *list;
	int32_t *units = NULL;
	ssize_t n;

	attr_me.busy++;
	list = boot_call("offset_lines", "(O)", ci->code, NULL);
	n = list ? P.PyList_Size(list) : -1;
	if (n > 0 && (units = calloc((size_t)n, sizeof(int32_t)))) {
		for (ssize_t i = 0; i < n; i++)
			units[i] = (int32_t)P.PyLong_AsLong(P.PyList_GetItem(list, i));
	}
	if (list)
		P.Py_DecRef(list);
	/* the call may have let another thread load them meanwhile */
	if (units && !ci->unit_lines) {
		ci->nunits = n;
		ci->unit_lines = units;
	} else {
		free(units);
	}
	P.PyErr_Clear();
	attr_me.busy--;
	return ci->unit_lines != NULL;
}

/*
 * A backward jump that stays on one line (a one-line loop, an inlined
 * comprehension) is a new execution of that line for sys.settrace; LINE
 * does not fire for it.  Forward jumps are disabled where they are.
 */
static PyObject *mon_jump(PyObject *self, PyObject *const *args, ssize_t n)
{
	struct attr_inv *top = attr_me.top;
	long from = small_long(args[1]) / 2, to = small_long(args[2]) / 2;
	struct code_info *ci = top && top->ci->code == args[0] ? top->ci : code_cached(args[0]);
	long lf, lt;

	(void)self;
	(void)n;
	if (to > from || to < 0 || !ci)
		goto never_again;
	if (!ci->unit_lines && !load_unit_lines(ci))
		goto never_again;
	if (from >= ci->nunits)
		goto never_again;
	lf = ci->unit_lines[from];
	lt = ci->unit_lines[to];
	/* a jump between two lines is followed by a LINE event: never ask again */
	if (lf != lt || lt <= 0)
		goto never_again;
	if (top && top->ci == ci && is_running(top)) {
		attr_me.busy++;
		line(top, (int)lt);
		attr_me.busy--;
	}
	return none();
never_again:
	P.Py_IncRef(disable);
	return mon_result(disable);
}

static PyObject *mon_line(PyObject *self, PyObject *const *args, ssize_t n)
{
	struct attr_inv *top = attr_me.top;

	(void)self;
	(void)n;
	if (!(top && top->ci->code == args[0] && is_running(top)))
		top = resumed_late(args[0]);
	if (top) {
		attr_me.busy++;
		line(top, (int)small_long(args[1]));
		attr_me.busy--;
	}
	return none();
}

/* ---- exit ---- */

/* 3.13: was this suspended generator closed without an event? */
static bool generator_closed(struct attr_inv *v)
{
	PyObject *gen, *flag;
	bool closed = false;

	if (!v->gen_ref || !v->suspended)
		return false;
	gen = P.PyObject_CallObject(v->gen_ref, NULL);	/* the referent, or None */
	if (gen && gen != P.none) {
		flag = P.PyObject_GetAttrString(gen, "gi_suspended");
		closed = flag && P.PyObject_IsTrue(flag) == 0;
		if (flag)
			P.Py_DecRef(flag);
	}
	if (gen)
		P.Py_DecRef(gen);
	P.PyErr_Clear();
	return closed;
}

/*
 * 3.13: close() on a generator or coroutine suspended at a plain yield
 * clears its frame without an event (see closes_quietly).  memline wraps
 * their close method -- CPython reads the function from the type's
 * PyMethodDef at each call -- and retires such an invocation when close()
 * returns.
 */
#define TP_METHODS 232		/* 3.13 PyTypeObject.tp_methods */
static PyCFunction close_orig;

#define GEN_FRAME_OBJ_313 (72 + 48)	/* PyGenObject.gi_iframe, its frame_obj */

static PyObject *close_wrap(PyObject *self, PyObject *unused)
{
	/* the key of an invocation of this generator, if it is one: its
	 * frame object, read before close clears it (one lookup, not a walk
	 * of every invocation: close is called on any generator) */
	PyObject *key = *(PyObject **)((char *)self + GEN_FRAME_OBJ_313);
	PyObject *r = close_orig(self, unused), *gen;
	struct attr_inv *v;
	struct saved_error e;

	if (!r || !all_invs || !key)
		return r;
	enter(&e);
	v = find_suspended(key);
	if (v && v->gen_ref) {
		gen = P.PyObject_CallObject(v->gen_ref, NULL);	/* the referent */
		if (gen)
			P.Py_DecRef(gen);	/* self holds it */
		if (gen == self) {
			runs_outside(v);
			retire(v);
		}
	}
	leave(&e);
	return r;
}

static void close_wrap_install(void)
{
	void *types[] = { P.gen_type, P.coro_type };

	if (P.minor != 13)
		return;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct attr_py_method *m = types[i] ?
			*(struct attr_py_method **)((char *)types[i] + TP_METHODS) : NULL;

		for (; m && m->name; m++) {
			if (strcmp(m->name, "close") || m->flags != ATTR_METH_NOARGS)
				continue;
			if (!close_orig)
				close_orig = m->meth;
			if (m->meth == close_orig)
				m->meth = close_wrap;
		}
	}
}

/*
 * In the child of os.fork(): only the thread that forked goes on.  What
 * the parent's other threads were running is theirs -- the parent reports
 * it when it ends -- and no thread of the child will ever end it: it is
 * forgotten, not reported as unfinished at the child's exit.  Suspended
 * ones (a generator, a coroutine) may be resumed here, and stay.
 */
static bool forked_child;

/* The page of matched selectors (see mark_matched), mapped at set-up: the
 * forked children's matches count for the parent (pre-fork servers run the
 * functions in their workers); a forked child says nothing. */
static void matched_share(void)
{
	void *p = mmap(NULL, MATCHED_MAX, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	matched_shared = p == MAP_FAILED ? NULL : p;
}

static PyObject *py_forked(PyObject *self, PyObject *args)
{
	struct saved_error e;
	struct attr_inv *v, *next, *mine;

	(void)self;
	(void)args;
	forked_child = true;
	gc_pause_forked();
	signals_forked();
	/* the other threads, and the reports they were writing, stayed behind */
	atomic_store(&reports_writing, reports_writing_here);
	enter(&e);
	for (v = all_invs; v; v = next) {
		next = v->next_all;
		for (mine = attr_me.top; mine && mine != v; mine = mine->below)
			;
		/* this thread's greenlets' parked ones are this thread's too */
		for (struct attr_inv *p = parked; p && !mine; p = p->next_parked)
			for (mine = p; mine && mine != v; mine = mine->below)
				;
		if (!v->suspended && !mine && v->hot.rows)
			drop(v, false);
	}
	for (struct attr_inv *d; (d = deferred_take());)	/* the parent writes them */
		deferred_free(d);
	deferred_lost = 0;
	for (int i = 0; i < SKIPPED_KEPT; i++)	/* and says those */
		skipped[i].code = NULL;
	if (losses) {
		struct code_info *ci, *tmp;

		HASH_ITER(hh, codes, ci, tmp)
			ci->lost = 0;
		losses = 0;
	}
	leave(&e);
	return none();
}

/* A report's lines, blank layout lines included, as the stderr sink
 * writes them: after the program's own stderr, in one write. */
static void lines_to_stderr(PyObject *lines)
{
	struct out_fd_text text = { 2, NULL, 0, 0 };
	PyObject *keep;

	flush_python_stream("stderr");
	for (ssize_t j = 0; lines && j < P.PyList_Size(lines); j++) {
		size_t len;
		const char *t = utf8_len_of(P.PyList_GetItem(lines, j), &keep, &len);

		if (t)
			out_fd_line(&text, t, len);
		if (keep)
			P.Py_DecRef(keep);
	}
	out_fd_flush(&text);
	P.PyErr_Clear();
}

/* to_stderr(lines): a report that the logging sink's logger would drop. */
static PyObject *py_to_stderr(PyObject *self, PyObject *lines)
{
	(void)self;
	lines_to_stderr(lines);
	return none();
}

/*
 * At exit, the reports the logging sink could never log (logging could
 * not be imported): to stderr, after one notice.  r: [(name, [line...])].
 */
static void write_unlogged(PyObject *r)
{
	ssize_t n = P.PyList_Size(r);
	PyObject *why = n > 0 ? P.PyTuple_GetItem(P.PyList_GetItem(r, 0), 2) : NULL, *keep;
	const char *because = why ? utf8_of(why, &keep) : NULL;

	if (n > 0) {
		out_notice("MEMLINE_OUTPUT=logging: the logging module could not be used (%s); "
			   "%zd report%s written to stderr instead",
			   because ? because : "?", n, n == 1 ? "" : "s");
		if (why && keep)
			P.Py_DecRef(keep);
	}
	for (ssize_t i = 0; i < n; i++)
		lines_to_stderr(P.PyTuple_GetItem(P.PyList_GetItem(r, i), 1));
	P.Py_DecRef(r);
	P.PyErr_Clear();
}

/* notice(text): one line on stderr, from memline's Python. */
static PyObject *py_notice(PyObject *self, PyObject *text)
{
	PyObject *keep;
	const char *t = utf8_of(text, &keep);

	(void)self;
	if (t)
		out_notice("%s", t);
	if (keep)
		P.Py_DecRef(keep);
	P.PyErr_Clear();
	return none();
}

/*
 * At exit, after the reports: the generators held for a hook's close that
 * never ended (see hook_closing) go now, with the program's modules still
 * whole.  Freeing one may run anything; the list is looked at afresh.
 */
static void let_go_of_generators(void)
{
	struct attr_inv *v;
	PyObject *gen;

	for (;;) {
		for (v = all_invs; v && !v->gen_hold; v = v->next_all)
			;
		if (!v)
			return;
		suspended_remove(v);
		gen = v->gen_hold;
		v->gen_hold = NULL;
		if (v->frame_held)
			P.Py_DecRef(v->frame);
		v->frame_held = false;
		v->frame = NULL;
		v->iframe = NULL;
		P.Py_DecRef(gen);
	}
}

static PyObject *py_at_exit(PyObject *self, PyObject *args)
{
	struct saved_error e;
	PyObject *r;

	(void)self;
	(void)args;
	enter(&e);
	finalizing = true;	/* from here on nothing starts or reports again */
	/* logging.shutdown has run (its atexit hook came later than ours):
	 * boot.py's _shut takes any closed handler for gone from here on */
	{
		PyObject *one = P.PyLong_FromLong(1);

		if (!one || P.PyDict_SetItemString(boot, "_exiting", one) < 0)
			P.PyErr_Clear();
		if (one)
			P.Py_DecRef(one);
	}
	write_deferred();
	for (struct attr_inv *d; (d = deferred_take());) {
		deferred_lost++;
		deferred_free(d);
	}
	for (struct attr_inv *v = all_invs; v; v = v->next_all) {
		if (!v->hot.rows || v->outer)	/* (recursion: nested_start) */
			continue;
		if (!room_for(room_report())) {
			deferred_lost++;
			continue;
		}
		if (!v->suspended)	/* the line it is on, so far */
			note_mem(v);
		report(v, !generator_closed(v));
	}
	let_go_of_generators();
	if (deferred_lost)
		out_notice("%d report%s not written: %s made where the thread's C stack was "
			   "nearly full, and memline found no room to write %s later",
			   deferred_lost, deferred_lost == 1 ? " was" : "s were",
			   deferred_lost == 1 ? "it was" : "they were",
			   deferred_lost == 1 ? "it" : "them");
	leave(&e);
	wait_for_reports();
	enter(&e);
	r = handlers_call("release_held", NULL, NULL, NULL);	/* logs what was held */
	if (r)
		write_unlogged(r);
	/* a forked child's matches are its parent's; multiprocessing's helpers
	 * run none of the program's functions or only some: the program speaks */
	r = forked_child || attr_python_mp_helper() ? NULL :
							boot_call("unmatched", NULL, NULL, NULL);
	for (ssize_t i = 0; r && i < P.PyList_Size(r); i++) {
		PyObject *item = P.PyList_GetItem(r, i), *keep, *keep_more;
		long at = P.PyLong_AsLong(P.PyTuple_GetItem(item, 0));
		const char *sel = utf8_of(P.PyTuple_GetItem(item, 1), &keep);
		const char *more = utf8_of(P.PyTuple_GetItem(item, 2), &keep_more);

		P.PyErr_Clear();
		if (!(matched_shared && at >= 0 && at < MATCHED_MAX && matched_shared[at]))
			out_notice("MEMLINE_FUNCTIONS: %s matched no function that ran in process %ld%s%s",
				   sel ? sel : "?", (long)getpid(), more ? more : "",
				   match_skipped ? " (functions that ran only where their thread's C "
						   "stack was nearly full were not looked at)" :
				   atomic_load(&hook_given_up) ? " (before line reports stopped: "
								 "functions that ran after were "
								 "not looked at)" : "");
		if (keep)
			P.Py_DecRef(keep);
		if (keep_more)
			P.Py_DecRef(keep_more);
	}
	if (r)
		P.Py_DecRef(r);
	leave(&e);
	return none();
}

/* ---- set-up ---- */

extern const char _binary_attribution_boot_py_start[];
extern const char _binary_attribution_boot_py_end[];
extern const char _binary_attribution_reader_py_start[];
extern const char _binary_attribution_reader_py_end[];

static struct attr_py_method methods[] = {
	{ "thread_start", py_thread_start, ATTR_METH_VARARGS, NULL },
	{ "finish_all", py_at_exit, ATTR_METH_NOARGS, NULL },
	{ "notice", py_notice, ATTR_METH_O, NULL },
	{ "to_stderr", py_to_stderr, ATTR_METH_O, NULL },
	{ "greenlet_switch", py_greenlet_switch, ATTR_METH_VARARGS, NULL },
	{ "forked", py_forked, ATTR_METH_NOARGS, NULL },
	{ "gen_died", py_gen_died, ATTR_METH_O, NULL },
	{ "gc_phase", py_gc_phase, ATTR_METH_VARARGS, NULL },
	{ "code_died", py_code_died, ATTR_METH_O, NULL },
	{ "mon_start", (PyCFunction)(void (*)(void))mon_start, 0x80, NULL },
	{ "mon_resume", (PyCFunction)(void (*)(void))mon_resume, 0x80, NULL },
	{ "mon_throw", (PyCFunction)(void (*)(void))mon_resume, 0x80, NULL },
	{ "mon_yield", (PyCFunction)(void (*)(void))mon_yield, 0x80, NULL },
	{ "mon_return", (PyCFunction)(void (*)(void))mon_return, 0x80, NULL },
	{ "mon_unwind", (PyCFunction)(void (*)(void))mon_unwind, 0x80, NULL },
	{ "mon_line", (PyCFunction)(void (*)(void))mon_line, 0x80, NULL },
	{ "mon_jump", (PyCFunction)(void (*)(void))mon_jump, 0x80, NULL },
};

/* One of our C functions, as run_boot() put it in the _memline module. */
static PyObject *method(const char *name)
{
	return P.PyDict_GetItemString(boot, name);
}

static bool run_boot(void)
{
	size_t len = (size_t)(_binary_attribution_boot_py_end - _binary_attribution_boot_py_start);
	char *src = malloc(len + 1);
	PyObject *module, *r, *code;

	if (!src)
		return false;
	memcpy(src, _binary_attribution_boot_py_start, len);
	src[len] = '\0';
	module = P.PyImport_AddModule("_memline");
	boot = module ? P.PyModule_GetDict(module) : NULL;
	if (!boot) {
		free(src);
		return false;
	}
	for (size_t i = 0; i < sizeof(methods) / sizeof(*methods); i++) {
		PyObject *f = P.PyCFunction_NewEx(&methods[i], NULL, NULL);

		if (!f || P.PyDict_SetItemString(boot, methods[i].name, f) < 0) {
			if (f)
				P.Py_DecRef(f);
			free(src);
			return false;
		}
		P.Py_DecRef(f);
	}
	/* reader.py's text: boot.py compiles it at the first report */
	r = P.PyUnicode_FromStringAndSize(_binary_attribution_reader_py_start,
					  _binary_attribution_reader_py_end -
					  _binary_attribution_reader_py_start);
	if (!r || P.PyDict_SetItemString(boot, "_READER", r) < 0) {
		if (r)
			P.Py_DecRef(r);
		free(src);
		return false;
	}
	P.Py_DecRef(r);
	/* named so in tracebacks and in the logging sink's records; the
	 * builtins set as PyRun_String would (3.8-3.10 would not find them) */
	if (!P.PyDict_GetItemString(boot, "__builtins__")) {
		PyObject *builtins = P.PyImport_AddModule("builtins");

		if (!builtins || P.PyDict_SetItemString(boot, "__builtins__", builtins) < 0) {
			free(src);
			return false;
		}
	}
	code = P.Py_CompileStringExFlags(src, "<memline>", ATTR_PY_FILE_INPUT, NULL, -1);
	free(src);
	r = code ? P.PyEval_EvalCode(code, boot, boot) : NULL;
	if (code)
		P.Py_DecRef(code);
	if (!r)
		return false;
	P.Py_DecRef(r);
	return true;
}

static bool install(void)
{
	PyObject *r, *spec = P.PyUnicode_DecodeUTF8(cfg.functions, (ssize_t)strlen(cfg.functions),
						    "surrogateescape");

	PyObject *said, *keep;
	const char *text;
	long usable;

	matched_share();
	if (P.minor <= 9)
		gc_field_find();
	if (cfg.async == ATTR_ASYNC_THREAD)
		tally_key_ok = pthread_key_create(&tally_key, tally_release) == 0;
	/* (what is wrong with the malformed selectors, or None; how many are left) */
	r = boot_call("configure", "(O)", spec, NULL);
	P.Py_DecRef(spec);
	if (!r)
		return false;
	said = P.PyTuple_GetItem(r, 0);
	usable = P.PyLong_AsLong(P.PyTuple_GetItem(r, 1));
	if (said && said != P.none && (text = utf8_of(said, &keep))) {
		char shown[OUT_SHOWN_CAP];

		attr_config_notice("MEMLINE_FUNCTIONS=%s %s",
				   out_shown(shown, sizeof(shown), cfg.functions), text);
		if (keep)
			P.Py_DecRef(keep);
	}
	P.Py_DecRef(r);
	P.PyErr_Clear();
	if (usable <= 0)
		return true;	/* nothing left to select: no tracer */
	code_watch_install();
	close_wrap_install();
	if (cfg.output == ATTR_OUT_LOGGING) {
		r = boot_call("watch_collections", "(O)", method("gc_phase"), NULL);
		if (r)
			P.Py_DecRef(r);
		P.PyErr_Clear();
	}
	if (P.minor >= 12) {
		PyObject *f = P.PyDict_GetItemString(boot, "monitor");

		r = f ? P.PyObject_CallFunction(f, "OOOOOOOO", method("mon_start"),
						method("mon_resume"), method("mon_throw"),
						method("mon_yield"), method("mon_return"),
						method("mon_unwind"), method("mon_line"),
						method("mon_jump")) :
			NULL;
		if (!r || r == P.none) {
			out_notice("cannot use sys.monitoring (no free tool id); no line reports");
			P.PyErr_Clear();
			return false;
		}
		select_fn = P.PyTuple_GetItem(r, 0);
		disable = P.PyTuple_GetItem(r, 1);
		P.Py_IncRef(select_fn);
		P.Py_IncRef(disable);
		P.Py_DecRef(r);
	} else if (P.minor <= 10) {
		if (!install_eval_frame()) {
			out_notice("cannot install a frame-evaluation hook; no line reports");
			return false;
		}
		quiet_install();
	} else if (install_eval_frame()) {	/* 3.11: else a profile function */
		quiet_install();
	} else {
		P.PyEval_SetProfile(profile_cb, NULL);
		r = boot_call("follow_threads", "(O)", method("thread_start"), NULL);
		if (!r)
			return false;
		P.Py_DecRef(r);
	}
	r = boot_call("at_exit", "(O)", method("finish_all"), NULL);
	if (r)
		P.Py_DecRef(r);
	return true;
}

/*
 * Set-up runs at the first eval-breaker check after Python is up, which
 * can come inside importlib's own code: 3.8's _ModuleLock.acquire, between
 * noting the lock this thread waits on and forgetting it, where memline's
 * own imports would re-enter the import machinery and undo that note (an
 * embedder's start-up then failed importing site, KeyError).  There it
 * waits: the poll is re-armed, and the next allocation asks again.
 */
static bool in_importlib(void)
{
	PyObject *frame = current_frame();	/* borrowed */
	PyObject *code = frame ? P.PyObject_GetAttrString(frame, "f_code") : NULL;
	PyObject *name = code ? P.PyObject_GetAttrString(code, "co_filename") : NULL;
	const char *s = name ? P.PyUnicode_AsUTF8(name) : NULL;
	bool in = s && strncmp(s, "<frozen importlib._bootstrap", 28) == 0;

	if (name)
		P.Py_DecRef(name);
	if (code)
		P.Py_DecRef(code);
	return in;
}

static int setup(void *arg)
{
	struct saved_error e;

	(void)arg;
	if (getenv("MEMLINE_FUNCTIONS")) {
		bool wait;

		enter(&e);
		wait = in_importlib();
		leave(&e);
		if (wait) {
			atomic_store(&attr_poll_state, 0);
			return 0;
		}
	}
	main_ident = P.PyThread_get_thread_ident();
	enter(&e);
	(void)attr_stack_left();	/* the main thread's bounds: /proc read, here */
	attr_config_load(&cfg);
	out_fd_share();		/* before the program can fork */
	if (cfg.functions) {
		if (cfg.output == ATTR_OUT_FILE) {
			int fd = open_output();	/* say now if it cannot be written */

			if (fd >= 0)
				close(fd);
		}
		if (!run_boot() || !install()) {
			out_notice("could not install the line tracer; no line reports");
			/* a signal handler's exception (Ctrl-C now) goes to the
			 * program; memline's own is printed */
			settle_error("set-up", true);
		}
	}
	leave(&e);
	return 0;
}

/* "3.7.16" out of Py_GetVersion()'s "3.7.16 (default, ...". */
static void short_version(char *buf, size_t cap)
{
	const char *(*get)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "Py_GetVersion");
	const char *v = get ? get() : "unknown";
	size_t n = strcspn(v, " ");

	out_format(buf, cap, "%.*s", (int)n, v);
}

void attr_python_init(bool python)
{
	const char *missing = NULL;
	const char *asked = getenv("MEMLINE_FUNCTIONS");
	char version[32];

	if (!python) {
		atomic_store(&attr_poll_state, 2);
		return;
	}
	attr_python_read_cmdline();
	short_version(version, sizeof(version));
	if (version[0] != '3' || version[1] != '.' || atoi(version + 2) < 8 ||
	    atoi(version + 2) > 13) {
		atomic_store(&attr_poll_state, 2);
		/* only a user who asked for reports hears why there are none */
		if (asked && *asked)
			out_notice("Python %s is not supported (3.8 to 3.13 are); no line reports",
				   version);
		return;
	}
	if (!attr_pyapi_resolve(&missing)) {
		/* a static embedder that exports only some of its functions */
		atomic_store(&attr_poll_state, 2);
		if (asked && *asked)
			out_notice("Python %s: this program does not export %s, which memline "
				   "needs; no line reports", version, missing ? missing : "?");
		return;
	}
	P.minor = atoi(version + 2);
}

void attr_python_poll_slow(void)
{
	int expected = 0;

	if (!P.minor || !P.Py_IsInitialized())
		return;	/* not resolved yet (before our constructor), or not yet up */
	/*
	 * Only a thread Python knows schedules it: 3.9-3.12 wake the main
	 * thread's eval loop for a pending call only when the thread adding
	 * it can run pending calls itself, so one added by a thread without
	 * a thread state (an embedder's C thread) waits until something else
	 * wakes that loop, maybe for ever: no reports.  The next allocation
	 * of a Python thread asks again.
	 */
	if (!P.PyGILState_GetThisThreadState())
		return;
	if (!atomic_compare_exchange_strong(&attr_poll_state, &expected, 1))
		return;
	if (P.Py_AddPendingCall(setup, NULL) != 0)
		out_notice("could not schedule set-up in the interpreter; no line reports");
}
