/*
 * libc's real functions, resolved in one place, and the bootstrap that
 * serves allocations made before they are known.
 */
#ifndef PL_LIBC_H
#define PL_LIBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "preload/hooks.h"

struct pl_libc {
#define PL_LIBC_FIELD(ret, name, params, required) ret (*name) params;
	PL_HOOKS(PL_LIBC_FIELD)
#undef PL_LIBC_FIELD
};

/* The originals; valid once pl_libc_resolve() returned true. */
extern struct pl_libc pl_real;

/*
 * Resolves every original with dlsym(RTLD_NEXT).  Returns false (and
 * reports it once on stderr) when a required one is missing.  Must be
 * called by one thread, once; allocations it causes on that thread are
 * served from the bootstrap pool.
 */
bool pl_libc_resolve(void);

/* Decides pl_glibc_chunks (and pl_alloc_lo/hi); call once the originals
 * are resolved. */
void pl_libc_probe_chunks(void);

/*
 * Where the allocator behind the hooks lies when it is not libc's (one
 * listed after memline in LD_PRELOAD: jemalloc, mimalloc): the mappings it
 * makes through mmap are its heap, whose blocks memline counts one by one,
 * so they are not counted again as anonymous mappings.  Empty for glibc,
 * whose own mappings never reach the hooks.
 */
extern uintptr_t pl_alloc_lo, pl_alloc_hi;

static inline bool pl_from_allocator(const void *caller)
{
	return (uintptr_t)caller - pl_alloc_lo < pl_alloc_hi - pl_alloc_lo;
}

/* False when another copy of memline was loaded before this one. */
bool pl_libc_first_copy(void);

/*
 * The usable size of a live block.  When the allocator behind the hooks is
 * glibc's (the originals resolve into libc.so), read the chunk header as
 * glibc's malloc_usable_size() does, instead of paying for a call: the
 * size word before the block, less its flag bits, less the header (8
 * bytes; 16 for a chunk glibc mmapped itself).  Any other allocator
 * (jemalloc preloaded after us, valgrind's) is asked.
 */
extern bool pl_glibc_chunks;

static inline size_t pl_block_size(void *p)
{
	size_t h;

	if (!pl_glibc_chunks)
		return pl_real.malloc_usable_size(p);
	h = ((const size_t *)p)[-1];
	return (h & ~(size_t)7) - ((h & 2) ? 16 : 8);
}

/* The bootstrap pool: a static arena that never returns memory. */
void *pl_boot_alloc(size_t size, size_t align, bool zero);
#define PL_BOOT_BYTES (64 * 1024)
extern __attribute__((visibility("hidden"))) unsigned char pl_boot_pool[PL_BOOT_BYTES];

static inline bool pl_boot_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)pl_boot_pool < PL_BOOT_BYTES;
}
size_t pl_boot_size(const void *p);

/* mmap/munmap/mremap straight to the kernel, errno set as libc would. */
void *pl_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int pl_sys_munmap(void *addr, size_t len);
void *pl_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);

/*
 * getenv() that also works before libc's own constructor has set environ
 * (a program's .preinit_array runs first): then it reads
 * /proc/self/environ through raw syscalls into a static buffer.
 */
const char *pl_early_getenv(const char *name);

/* Appends text to the line being made in buf (at most cap bytes); returns
 * the new length.  For notices made without stdio. */
size_t pl_line_add(char *buf, size_t at, size_t cap, const char *text);

/* write(2) all of buf, retrying on EINTR and short writes; keeps errno. */
void pl_sys_write_all(int fd, const char *buf, size_t len);

#endif
