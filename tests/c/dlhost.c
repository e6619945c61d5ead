/*
 * A library loaded at run time allocates in its constructor, in a function
 * and in its destructor (run with MEMLINE_SUMMARY=all).
 *
 *   dlhost LIBRARY CYCLES
 *
 * LIBRARY is built by the test (tests/e2e/test_lifecycle.py) from a source
 * it carries; its constructor and destructor work only when DSO_WORK=1.
 * The host first forks a probe, which turns DSO_WORK to 0 in place (no
 * allocation) and then does exactly what the host does: CYCLES times
 * dlopen, call dso_work(), dlclose, and check the library is gone.  So
 * the probe's summary is the baseline for everything dlopen and dlclose
 * themselves allocate.  Both print "ROLE PID HEAP ALLOCS FREES" with the
 * bytes and calls the library reported for its own work.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct dso_counts {
	long long heap, allocs, frees;
};

static void cycles(const char *path, int n, const char *role)
{
	struct dso_counts c = { 0, 0, 0 };
	char line[160];
	int len;

	for (int i = 0; i < n; i++) {
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		void (*work)(struct dso_counts *);

		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			exit(2);
		}
		*(void **)&work = dlsym(h, "dso_work");
		if (!work) {
			fprintf(stderr, "dlsym: %s\n", dlerror());
			exit(2);
		}
		work(&c);
		if (dlclose(h)) {
			fprintf(stderr, "dlclose: %s\n", dlerror());
			exit(2);
		}
		/* really unloaded: its destructor ran */
		if (dlopen(path, RTLD_NOW | RTLD_NOLOAD)) {
			fprintf(stderr, "%s still loaded after dlclose\n", path);
			exit(2);
		}
	}
	len = snprintf(line, sizeof(line), "%s %d %lld %lld %lld\n", role, (int)getpid(), c.heap,
		       c.allocs, c.frees);
	if (write(1, line, (size_t)len) != len)
		exit(3);
}

int main(int argc, char **argv)
{
	pid_t probe;
	int status;

	if (argc != 3) {
		fprintf(stderr, "usage: dlhost LIBRARY CYCLES\n");
		return 2;
	}
	if (!getenv("DSO_WORK") || strcmp(getenv("DSO_WORK"), "1")) {
		fprintf(stderr, "dlhost: run with DSO_WORK=1\n");
		return 2;
	}
	probe = fork();
	if (probe < 0)
		return 2;
	if (probe == 0) {
		getenv("DSO_WORK")[0] = '0';
		cycles(argv[1], atoi(argv[2]), "probe");
		exit(0);
	}
	if (waitpid(probe, &status, 0) != probe || status != 0)
		return 4;
	cycles(argv[1], atoi(argv[2]), "host");
	return 0;
}
