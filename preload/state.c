/*
 * Bootstrap and lifecycle.  The first hooked call (or our constructor,
 * whichever comes first) resolves libc's originals and decides once
 * whether this process is tracked: a Python interpreter is; any other
 * program is left alone unless MEMLINE_SUMMARY=all asks for it.  The
 * decision never changes afterwards, so every block we count as
 * allocated is also counted when freed.
 */
#include "preload/state.h"

#include <dlfcn.h>
#include <link.h>
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
#include "preload/hooks.h"
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

/* h's own definition of malloc (the versioned name programs bind to
 * first: an interposer may define only that), or NULL */
static void *malloc_defined_by(void *h, const char *name)
{
	static const char *const versions[] = { "GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.0", NULL };
	const ElfW(Sym) *sym;
	Dl_info info;

	for (size_t i = 0; i < sizeof(versions) / sizeof(*versions); i++) {
		void *f = versions[i] ? dlvsym(h, "malloc", versions[i]) : dlsym(h, "malloc");

		sym = NULL;
		if (f && dladdr1(f, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_fname &&
		    !strcmp(info.dli_fname, name) && sym && sym->st_shndx != SHN_UNDEF)
			return f;
	}
	return NULL;
}

/* Is a stand-down line wanted: were reports or a summary asked for? */
static bool stand_down_said(void)
{
	const char *asked = pl_early_getenv("MEMLINE_FUNCTIONS");

	return (python && asked && *asked) || summary == SUMMARY_PYTHON || summary == SUMMARY_ALL;
}

/*
 * Is the process's malloc this library's?  Another allocator listed before
 * memline in LD_PRELOAD (libc_malloc_debug, jemalloc, tcmalloc) takes every
 * call: memline would see none of the program's allocations and report
 * zeros or nothing, so it stands down, saying so where reports were asked
 * for.  The first library in load order that defines malloc is the one
 * calls reach (the executable is not asked: one that takes malloc's
 * address has a PLT slot named malloc, which is no allocator).
 */
static bool malloc_is_ours(void)
{
	static const char head[] = "memline: malloc comes from ";
	static const char tail[] = ", loaded before memline (listed first in LD_PRELOAD?): "
				   "memline would see none of the program's allocations; it is "
				   "disabled in this process\n";
	const char *preload = pl_early_getenv("LD_PRELOAD");
	/*
	 * libc's dlopen and dlclose, not the first ones: a preload that wraps
	 * them (heaptrack's) may hold its own lock while it allocates, which
	 * is how this can run, and its dlopen then waited for itself.
	 */
	void *(*open_)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	int (*close_)(void *) = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	void *main_h, *found = NULL;
	struct link_map *l = NULL;
	const char *from = NULL;
	char line[512];
	size_t at;

	if ((preload && strstr(preload, "vgpreload")) || !open_ || !close_ ||
	    !(main_h = open_(NULL, RTLD_LAZY | RTLD_NOLOAD)))
		return true;	/* valgrind swaps every malloc under the same names */
	if (dlinfo(main_h, RTLD_DI_LINKMAP, &l) != 0)
		l = NULL;
	close_(main_h);
	for (l = l ? l->l_next : NULL; l && !found; l = l->l_next) {
		void *h;

		if (!l->l_name || !*l->l_name || !(h = open_(l->l_name, RTLD_LAZY | RTLD_NOLOAD)))
			continue;
		found = malloc_defined_by(h, l->l_name);
		from = l->l_name;
		close_(h);
	}
	if (!found || found == (void *)pl_malloc_self)
		return true;
	if (stand_down_said()) {
		/* the path cut short if need be, the tail whole */
		at = pl_line_add(line, 0, sizeof(line) - (sizeof(tail) - 1), head);
		at = pl_line_add(line, at, sizeof(line) - (sizeof(tail) - 1), from);
		at = pl_line_add(line, at, sizeof(line), tail);
		pl_sys_write_all(2, line, at);
	}
	return false;
}

/*
 * The constructor's work, once the state is settled.  glibc may run the
 * constructor inside the bootstrap itself: a library listed after memline
 * (libstdc++, so any C++ allocator) calls malloc from its own constructor
 * before memline's has run, and the bootstrap's dlopen(RTLD_NOLOAD) then
 * runs memline's pending constructor.  That one only notes it came
 * (start_deferred), and the bootstrap does the work when it ends.
 */
static bool start_deferred;

static void start(void);

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
	if (ok && (python || summary == SUMMARY_ALL))
		ok = malloc_is_ours();
	pl_page_size = (unsigned long)sysconf(_SC_PAGESIZE);
	initializing_here = 0;
	atomic_store(&pl_state, ok && (python || summary == SUMMARY_ALL) ? PL_S_ON : PL_S_OFF);
	if (start_deferred) {
		start_deferred = false;
		start();
	}
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

/*
 * Under valgrind's memcheck, massif or dhat, valgrind takes the malloc of
 * every library without a soname (memline's) unless told not to
 * (--soname-synonyms=somalloc=nouserintercepts): memline's would never
 * run, and it would report nothing and a summary of zeros.  Asked once,
 * with one allocation through the process's malloc.
 */
static bool valgrind_took_malloc(void)
{
	static const char line[] = "memline: valgrind took memline's malloc (run valgrind with "
				   "--soname-synonyms=somalloc=nouserintercepts); memline is "
				   "disabled in this process\n";
	const char *preload = pl_early_getenv("LD_PRELOAD");
	void *(*m)(size_t) = (void *(*)(size_t))dlsym(RTLD_DEFAULT, "malloc");
	void (*f)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "free");
	struct attr_totals before, after;

	if (!preload || !strstr(preload, "vgpreload_") || !m || !f)
		return false;
	attr_totals_get(&before);
	f(m(1));
	attr_totals_get(&after);
	if (after.allocs != before.allocs)
		return false;
	if (stand_down_said())
		pl_sys_write_all(2, line, sizeof(line) - 1);
	return true;
}

static void start(void)
{
	if (atomic_load(&pl_state) != PL_S_ON)
		return;
	if (valgrind_took_malloc()) {	/* nothing was counted: nothing to undo */
		atomic_store(&pl_state, PL_S_OFF);
		return;
	}
	attr_account_init();
	attr_python_init(python);
	if (summary == SUMMARY_PYTHON || summary == SUMMARY_ALL)
		out_keep_stderr();	/* programs that close fd 2 at exit still get it */
	pthread_atfork(pl_regions_fork_prepare, pl_regions_fork_parent, pl_regions_fork_child);
	pthread_atfork(NULL, NULL, out_std_forked);
	check_environment();
}

__attribute__((constructor)) static void pl_start(void)
{
	if (initializing_here) {
		start_deferred = true;
		return;
	}
	pl_mode();
	start();
}

__attribute__((destructor)) static void pl_stop(void)
{
	struct attr_totals t;

	if (atomic_load(&pl_state) != PL_S_ON || summary == SUMMARY_OFF || summary == SUMMARY_BAD)
		return;
	attr_totals_get(&t);
	out_summary((long)getpid(), &t);
}
