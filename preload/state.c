/*
 * Bootstrap and lifecycle.  The first hooked call (or our constructor,
 * whichever comes first) resolves libc's originals and decides once
 * whether this process is tracked: a Python interpreter is; any other
 * program is left alone unless MEMLINE_SUMMARY=all asks for it.  The
 * decision never changes afterwards, so every block we count as
 * allocated is also counted when freed.
 */
#include "preload/state.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attribution/account.h"
#include "attribution/config.h"
#include "attribution/lines.h"
#include "attribution/python.h"
#include "output/sink.h"
#include "output/summary.h"
#include "preload/guard.h"
#include "preload/libc.h"
#include "preload/regions.h"

_Atomic int pl_state = PL_S_UNINIT;
unsigned long pl_page_size = 4096;
__thread int pl_guard_depth __attribute__((tls_model("initial-exec")));

static __thread int initializing_here __attribute__((tls_model("initial-exec")));

enum summary { SUMMARY_OFF, SUMMARY_PYTHON, SUMMARY_ALL, SUMMARY_BAD };
static enum summary summary;
static bool python;

static enum summary parse_summary(const char *v)
{
	if (!v || !*v || !strcmp(v, "0"))
		return SUMMARY_OFF;
	if (!strcmp(v, "1"))
		return SUMMARY_PYTHON;
	if (!strcmp(v, "all"))
		return SUMMARY_ALL;
	return SUMMARY_BAD;
}

static void init(void)
{
	int expected = PL_S_UNINIT;
	bool ok;

	if (!atomic_compare_exchange_strong(&pl_state, &expected, PL_S_INITIALIZING)) {
		while (atomic_load(&pl_state) == PL_S_INITIALIZING)
			sched_yield();
		return;
	}
	initializing_here = 1;
	ok = pl_libc_resolve() && pl_libc_first_copy();
	if (ok)
		pl_libc_probe_chunks();
	summary = parse_summary(pl_early_getenv("MEMLINE_SUMMARY"));
	python = attr_python_present();
	pl_page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	initializing_here = 0;
	atomic_store(&pl_state, ok && (python || summary == SUMMARY_ALL) ? PL_S_ON : PL_S_OFF);
}

enum pl_mode pl_mode_slow(void)
{
	int s = atomic_load(&pl_state);

	if (s == PL_S_UNINIT || s == PL_S_INITIALIZING) {
		if (initializing_here)
			return PL_BOOT;
		init();
		s = atomic_load(&pl_state);
	}
	return s == PL_S_ON ? PL_ON : PL_OFF;
}

static const char *const known_vars[] = {
	"MEMLINE_SUMMARY", "MEMLINE_FUNCTIONS", "MEMLINE_OUTPUT", "MEMLINE_LOGGER",
	"MEMLINE_FORMAT", "MEMLINE_INCREMENTS_ONLY", "MEMLINE_PRECISION", "MEMLINE_ASYNC",
};

static void check_environment(void)
{
	extern char **environ;

	for (char **e = environ; e && *e; e++) {
		size_t n = strcspn(*e, "=");
		bool known = false;

		if (strncmp(*e, "MEMLINE_", 8))
			continue;
		for (size_t i = 0; i < sizeof(known_vars) / sizeof(*known_vars); i++)
			known |= strlen(known_vars[i]) == n && !strncmp(*e, known_vars[i], n);
		if (!known)
			attr_config_notice("unknown variable %.*s ignored", (int)n, *e);
	}
	if (summary == SUMMARY_BAD)
		attr_config_notice("MEMLINE_SUMMARY=%s is not one of 0, 1, all; no summary will "
				   "be printed", getenv("MEMLINE_SUMMARY"));
}

__attribute__((constructor)) static void pl_start(void)
{
	pl_mode();
	if (atomic_load(&pl_state) != PL_S_ON)
		return;
	attr_account_init();
	attr_python_init(python);
	if (summary == SUMMARY_PYTHON || summary == SUMMARY_ALL)
		out_keep_stderr();	/* programs that close fd 2 at exit still get it */
	pthread_atfork(pl_regions_fork_prepare, pl_regions_fork_parent, pl_regions_fork_child);
	pthread_atfork(NULL, NULL, out_std_forked);
	check_environment();
}

__attribute__((destructor)) static void pl_stop(void)
{
	struct attr_totals t;

	if (atomic_load(&pl_state) != PL_S_ON || summary == SUMMARY_OFF || summary == SUMMARY_BAD)
		return;
	attr_totals_get(&t);
	out_summary((long)getpid(), &t);
}
