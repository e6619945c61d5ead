#include "attribution/python.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

bool attr_python_present(void)
{
	/* Found the same way in a shared libpython and a static python. */
	return dlsym(RTLD_DEFAULT, "Py_IsInitialized") != NULL &&
	       dlsym(RTLD_DEFAULT, "Py_GetVersion") != NULL;
}

/* How multiprocessing's spawn.py, resource_tracker.py and forkserver.py
 * (3.8-3.13) start the code of a helper with -c. */
static const char *const helper_code[] = {
	"from multiprocessing.spawn import ",
	"from multiprocessing.resource_tracker import ",
	"from multiprocessing.forkserver import ",
};

bool attr_python_mp_helper_args(const char *words, size_t len)
{
	const char *end = words + len, *w = words;
	bool value = false;	/* w is the value of the option before it */

	if (!len)
		return false;
	/* past the executable, the interpreter's options up to -c */
	for (w += strlen(w) + 1; w < end; w += strlen(w) + 1) {
		if (value) {
			value = false;
		} else if (!strcmp(w, "-c")) {
			w += strlen(w) + 1;
			for (size_t i = 0; w < end && i < sizeof(helper_code) / sizeof(*helper_code);
			     i++)
				if (!strncmp(w, helper_code[i], strlen(helper_code[i])))
					return true;
			return false;
		} else if (w[0] != '-' || !w[1] || w[1] == 'm' || !strcmp(w, "--")) {
			return false;	/* a script, stdin or -m: not -c */
		} else {
			value = !strcmp(w, "-X") || !strcmp(w, "-W") ||
				!strcmp(w, "--check-hash-based-pycs");
		}
	}
	return false;
}

static bool mp_helper;
static int kept_argc;
static char **kept_argv;

/* glibc hands every initialiser the program's arguments: where
 * /proc/self/cmdline cannot be read (no /proc in a sandbox), they say the
 * same.  Before the preload's constructor, which reads them. */
__attribute__((constructor(101))) static void keep_args(int argc, char **argv)
{
	kept_argc = argc;
	kept_argv = argv;
}

void attr_python_read_cmdline(void)
{
	/* the executable, the options and the start of the code are enough */
	char buf[8192];
	size_t n = 0, len;
	ssize_t r;
	int saved = errno, fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
			if (r < 0 && errno != EINTR)
				break;
			n += r > 0 ? (size_t)r : 0;
		}
		close(fd);
	}
	for (int i = 0; fd < 0 && kept_argv && i < kept_argc && kept_argv[i]; i++) {
		len = strlen(kept_argv[i]) + 1;
		if (n + len > sizeof(buf) - 1)
			len = sizeof(buf) - 1 - n;
		memcpy(buf + n, kept_argv[i], len);
		n += len;
	}
	buf[n] = '\0';
	mp_helper = attr_python_mp_helper_args(buf, n);
	errno = saved;
}

bool attr_python_mp_helper(void)
{
	return mp_helper;
}
