/*
 * The contract with libc: the only dlsym(RTLD_NEXT) in memline, the
 * bootstrap pool for the calloc that dlsym itself makes, and the raw
 * syscalls used before (or instead of) the originals.
 */
#include "preload/libc.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct pl_libc pl_real;
bool pl_glibc_chunks;
uintptr_t pl_alloc_lo, pl_alloc_hi;

/* Each pool block is preceded by its size so realloc/usable_size work. */
alignas(64) unsigned char pl_boot_pool[PL_BOOT_BYTES];
static atomic_size_t boot_used;

void *pl_boot_alloc(size_t size, size_t align, bool zero)
{
	size_t start, next, old;

	if (align < 16)
		align = 16;
	if (align & (align - 1) || size > PL_BOOT_BYTES)
		return NULL;
	old = atomic_load_explicit(&boot_used, memory_order_relaxed);
	do {
		start = (old + sizeof(size_t) + align - 1) & ~(align - 1);
		next = start + size;
		if (next > PL_BOOT_BYTES)
			return NULL;
	} while (!atomic_compare_exchange_weak(&boot_used, &old, next));
	memcpy(pl_boot_pool + start - sizeof(size_t), &size, sizeof(size));
	/* The pool is static, hence zeroed, and never reused. */
	(void)zero;
	return pl_boot_pool + start;
}

size_t pl_boot_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - sizeof(size_t), sizeof(size));
	return size;
}

void *pl_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);

	return r == -1 ? MAP_FAILED : (void *)r;
}

/* syscall() itself sets errno and returns -1 on failure */
int pl_sys_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

void *pl_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	long r = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);

	return r == -1 ? MAP_FAILED : (void *)r;
}

void pl_sys_write_all(int fd, const char *buf, size_t len)
{
	int saved = errno;

	while (len > 0) {
		long n = syscall(SYS_write, fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	errno = saved;
}

const char *pl_early_getenv(const char *name)
{
	static char env[64 * 1024];
	static long len = -1;
	extern char **environ;
	size_t n = strlen(name);

	if (environ)
		return getenv(name);
	if (len < 0) {
		long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/environ", O_RDONLY | O_CLOEXEC);
		long r;

		len = 0;
		if (fd < 0)
			return NULL;
		while (len < (long)sizeof(env) - 1 &&
		       (r = syscall(SYS_read, fd, env + len, sizeof(env) - 1 - len)) > 0)
			len += r;
		syscall(SYS_close, fd);
		env[len] = '\0';
	}
	for (long i = 0; i < len; i += (long)strlen(env + i) + 1)
		if (!strncmp(env + i, name, n) && env[i + n] == '=')
			return env + i + n + 1;
	return NULL;
}

size_t pl_line_add(char *buf, size_t at, size_t cap, const char *text)
{
	size_t n = strlen(text);

	if (at + n > cap)
		n = cap - at;
	memcpy(buf + at, text, n);
	return at + n;
}

bool pl_libc_resolve(void)
{
	static const char head[] = "memline: cannot find libc's ";
	static const char tail[] = " after memline (is libc listed before it in LD_PRELOAD?); "
				   "memline is disabled in this process\n";
	char line[512];
	size_t at = pl_line_add(line, 0, sizeof(line), head);
	bool ok = true;

#define PL_LIBC_RESOLVE(ret, name, params, required)                         \
	pl_real.name = (ret(*) params)dlsym(RTLD_NEXT, #name);                \
	if (!pl_real.name && (required)) {                                   \
		at = pl_line_add(line, at, sizeof(line), ok ? "" : ", ");       \
		at = pl_line_add(line, at, sizeof(line), #name);                \
		ok = false;                                                  \
	}
	PL_HOOKS(PL_LIBC_RESOLVE)
#undef PL_LIBC_RESOLVE
	if (!ok) {	/* one line for all: the names, then the tail whole */
		if (at > sizeof(line) - (sizeof(tail) - 1))
			at = sizeof(line) - (sizeof(tail) - 1);
		at = pl_line_add(line, at, sizeof(line), tail);
		pl_sys_write_all(2, line, at);
	}
	return ok;
}

/*
 * Is this copy of memline the first one loaded?  Two copies preloaded (two
 * installs, nested launchers) would each count and report everything: the
 * later one stays out of the way.  Each copy exports this marker; the
 * process's lookup finds the first copy's, a hidden alias our own.  (Not
 * malloc's address: a non-PIE executable that takes malloc's address
 * makes its own PLT entry malloc's address for everyone.)
 */
__attribute__((visibility("default"))) const char memline_copy_marker = 1;
extern const char pl_copy_marker_self __attribute__((alias("memline_copy_marker"),
						     visibility("hidden")));

bool pl_libc_first_copy(void)
{
	const void *found = dlsym(RTLD_DEFAULT, "memline_copy_marker");

	return !found || found == (const void *)&pl_copy_marker_self;
}

/* dl_iterate_phdr: the loaded span of the object at base (dladdr's
 * dli_fbase), into pl_alloc_lo/hi */
static int allocator_range(struct dl_phdr_info *info, size_t size, void *base)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < lo)
			lo = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > hi)
			hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (lo > (uintptr_t)base || (uintptr_t)base >= hi)
		return 0;	/* not this one */
	pl_alloc_lo = lo;
	pl_alloc_hi = hi;
	return 1;
}

/*
 * Only names are checked: a test allocation here would change the host's
 * heap (a freed large block even moves glibc's mmap threshold).  glibc's
 * chunk header has had this layout since glibc 2.0, and its own
 * malloc_usable_size() reads it the same way for a block in use.
 */
void pl_libc_probe_chunks(void)
{
	const char *preload = pl_early_getenv("LD_PRELOAD");
	const char *base;
	Dl_info info;

	/* valgrind's memcheck, massif, dhat, helgrind and drd swap libc's
	 * malloc for their own under the same address (their preload,
	 * vgpreload_<tool>); its core's preload and callgrind, cachegrind,
	 * lackey and none leave glibc's heap as it is */
	for (const char *v = preload; v && (v = strstr(v, "vgpreload_")); v += 10)
		if (strncmp(v + 10, "core", 4))
			return;
	if (!dladdr((void *)pl_real.malloc, &info) || !info.dli_fname)
		return;
	base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	if (strncmp(base, "libc.so", 7)) {
		dl_iterate_phdr(allocator_range, info.dli_fbase);
		return;
	}
	pl_glibc_chunks = dladdr((void *)pl_real.malloc_usable_size, &info) && info.dli_fname &&
			  strstr(info.dli_fname, "libc.so");
}
