/*
 * The interposers.  Each asks pl_mode() first (the mapping and dup hooks
 * pl_mode_settled(): they never start the bootstrap); when not tracking it
 * calls the original and returns.  When tracking, it calls the original, then
 * tells attribution/ what changed.  Results and errno are libc's.
 *
 * Heap blocks are counted by their usable size, read on both sides, so
 * no table is needed and a free always subtracts what its malloc added.
 * Anonymous mappings go through preload/regions.h, under its lock, held
 * across the real call so the table and the kernel agree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attribution/account.h"
#include "output/sink.h"
#include "preload/guard.h"
#include "preload/hooks.h"
#include "preload/libc.h"
#include "preload/regions.h"
#include "preload/state.h"

#define PL_EXPORT __attribute__((visibility("default")))

/*
 * Set while the allocator is asked a block's size: another allocator's
 * malloc_usable_size may allocate the first time (tcmalloc's makes its
 * MallocExtension with operator new), and the hooks it comes back to must
 * not ask again, which recursed until the stack overflowed.  Such blocks
 * are not counted.
 */
static __thread bool sizing __attribute__((tls_model("initial-exec")));

/* p's usable size into *size, or false: asked from inside such a call */
static inline __attribute__((always_inline)) bool block_size(void *p, size_t *size)
{
	if (__builtin_expect(pl_glibc_chunks, 1)) {	/* read, not asked */
		*size = pl_block_size(p);
		return true;
	}
	if (sizing)
		return false;
	sizing = true;
	*size = pl_block_size(p);
	sizing = false;
	return true;
}

static inline __attribute__((always_inline)) void count_new(void *p)
{
	size_t size;

	if (p && block_size(p, &size))
		attr_on_alloc(size, ATTR_HEAP);
}

PL_EXPORT void *malloc(size_t size)
{
	void *p;

	switch (pl_mode()) {
	case PL_BOOT:
		return pl_boot_alloc(size, 16, false);
	case PL_OFF:
		return pl_real.malloc(size);
	case PL_ON:
		break;
	}
	p = pl_real.malloc(size);
	count_new(p);
	return p;
}

void *pl_malloc_self(size_t size) __attribute__((alias("malloc"), copy(malloc), visibility("hidden")));

PL_EXPORT void *calloc(size_t n, size_t size)
{
	void *p;

	switch (pl_mode()) {
	case PL_BOOT:
		if (size && n > SIZE_MAX / size)
			return NULL;
		return pl_boot_alloc(n * size, 16, true);
	case PL_OFF:
		return pl_real.calloc(n, size);
	case PL_ON:
		break;
	}
	p = pl_real.calloc(n, size);
	count_new(p);
	return p;
}

PL_EXPORT void free(void *p)
{
	size_t size;

	if (!p || pl_boot_owns(p))
		return;
	switch (pl_mode()) {
	case PL_BOOT:	/* only pool blocks can exist before the originals */
		return;
	case PL_OFF:
		pl_real.free(p);
		return;
	case PL_ON:
		break;
	}
	if (block_size(p, &size))
		attr_on_free(size, ATTR_HEAP);
	pl_real.free(p);
}

/* realloc of a pool block: move it to the real heap (or a bigger pool block). */
static void *realloc_from_pool(void *p, size_t size)
{
	size_t old = pl_boot_size(p);
	void *q = malloc(size);

	if (q)
		memcpy(q, p, old < size ? old : size);
	return q;
}

static void *realloc_counted(void *p, size_t size)
{
	size_t old = 0;
	void *q;

	if (p && !block_size(p, &old))
		return pl_real.realloc(p, size);	/* inside a size query */
	q = pl_real.realloc(p, size);
	if (q) {
		if (p)
			attr_on_free(old, ATTR_HEAP);
		count_new(q);
	} else if (p && size == 0) {	/* glibc freed it */
		attr_on_free(old, ATTR_HEAP);
	}
	return q;
}

PL_EXPORT void *realloc(void *p, size_t size)
{
	if (p && pl_boot_owns(p))
		return realloc_from_pool(p, size);
	switch (pl_mode()) {
	case PL_BOOT:
		return pl_boot_alloc(size, 16, false);
	case PL_OFF:
		return pl_real.realloc(p, size);
	case PL_ON:
		break;
	}
	return realloc_counted(p, size);
}

PL_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (pl_mode() == PL_OFF && pl_real.reallocarray)
		return pl_real.reallocarray(p, n, size);
	return realloc(p, n * size);
}

PL_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	int r;

	switch (pl_mode()) {
	case PL_BOOT:
		*out = pl_boot_alloc(size, align, false);
		return *out ? 0 : ENOMEM;
	case PL_OFF:
		return pl_real.posix_memalign(out, align, size);
	case PL_ON:
		break;
	}
	r = pl_real.posix_memalign(out, align, size);
	if (r == 0)
		count_new(*out);
	return r;
}

#define PL_ALIGNED_HOOK(name, params, args, boot_align, boot_size)          \
	PL_EXPORT void *name params                                         \
	{                                                                   \
		void *p;                                                    \
		switch (pl_mode()) {                                        \
		case PL_BOOT:                                               \
			return pl_boot_alloc(boot_size, boot_align, false); \
		case PL_OFF:                                                \
			return pl_real.name args;                           \
		case PL_ON:                                                 \
			break;                                              \
		}                                                           \
		p = pl_real.name args;                                      \
		count_new(p);                                               \
		return p;                                                   \
	}

PL_ALIGNED_HOOK(aligned_alloc, (size_t align, size_t size), (align, size), align, size)
PL_ALIGNED_HOOK(memalign, (size_t align, size_t size), (align, size), align, size)
PL_ALIGNED_HOOK(valloc, (size_t size), (size), 4096, size)

PL_EXPORT void *pvalloc(size_t size)
{
	size_t page = pl_page_size;
	void *p;

	if (!pl_real.pvalloc || pl_mode() == PL_BOOT) {
		/* valloc of the size rounded up to whole pages */
		if (size > SIZE_MAX - page) {
			errno = ENOMEM;
			return NULL;
		}
		return valloc(size ? (size + page - 1) & ~(page - 1) : page);
	}
	if (pl_mode() == PL_OFF)
		return pl_real.pvalloc(size);
	/* libc's own, for its own rounding (glibc's makes pvalloc(0) a
	 * small block) */
	p = pl_real.pvalloc(size);
	count_new(p);
	return p;
}

PL_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (pl_boot_owns(p))
		return pl_boot_size(p);
	if (!pl_real.malloc_usable_size)
		return 0;
	return pl_real.malloc_usable_size(p);
}

/* ---- mappings ---- */

static inline size_t page_round(size_t len)
{
	return (len + pl_page_size - 1) & ~(pl_page_size - 1);
}

/* May this call touch the region table?  Not when re-entered on this
 * thread (a signal handler interrupting a hook), which would deadlock. */
static inline bool maps_tracked(void)
{
	return pl_mode_settled() == PL_ON && !pl_guard_active();
}

PL_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	bool anon = flags & MAP_ANONYMOUS, fixed = flags & MAP_FIXED;
	size_t added = 0, removed = 0;
	int guard, saved;
	void *p;

	if (pl_mode_settled() == PL_BOOT || !pl_real.mmap)
		return pl_sys_mmap(addr, len, prot, flags, fd, off);
	/* the heap of an allocator listed after memline: counted by block */
	if (!maps_tracked() || (!anon && !fixed) || pl_from_allocator(__builtin_return_address(0)))
		return pl_real.mmap(addr, len, prot, flags, fd, off);

	guard = pl_guard_enter();
	pl_regions_lock();
	p = pl_real.mmap(addr, len, prot, flags, fd, off);
	saved = errno;
	if (p != MAP_FAILED) {
		/* MAP_FIXED replaced whatever was there, perhaps ours */
		removed = pl_regions_remove((uintptr_t)p, page_round(len));
		/* PROT_NONE reserves address space; it holds no memory */
		if (anon && prot != PROT_NONE && pl_regions_add((uintptr_t)p, page_round(len)))
			added = page_round(len);
	}
	pl_regions_unlock();
	pl_guard_leave(guard);
	if (removed)
		attr_on_free(removed, ATTR_ANON);
	if (added)
		attr_on_alloc(added, ATTR_ANON);
	errno = saved;
	return p;
}

/* One function under both names, as in glibc (tools that patch PLT slots,
 * Memray, compare the two addresses) */
PL_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

PL_EXPORT int munmap(void *addr, size_t len)
{
	size_t removed = 0;
	int guard, r, saved;

	if (pl_mode_settled() == PL_BOOT || !pl_real.munmap)
		return pl_sys_munmap(addr, len);
	if (!maps_tracked())
		return pl_real.munmap(addr, len);

	guard = pl_guard_enter();
	pl_regions_lock();
	r = pl_real.munmap(addr, len);
	saved = errno;
	if (r == 0)
		removed = pl_regions_remove((uintptr_t)addr, page_round(len));
	pl_regions_unlock();
	pl_guard_leave(guard);
	if (removed)
		attr_on_free(removed, ATTR_ANON);
	errno = saved;
	return r;
}

PL_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL, *p;
	size_t removed = 0, added = 0;
	int guard, saved;

	/* the kernel reads new_addr for both; with MREMAP_DONTUNMAP alone it
	 * is a hint, and an unaligned one is refused */
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		va_list ap;

		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (pl_mode_settled() == PL_BOOT || !pl_real.mremap)
		return pl_sys_mremap(old, old_len, new_len, flags, new_addr);
	if (!maps_tracked())
		return pl_real.mremap(old, old_len, new_len, flags, new_addr);

	guard = pl_guard_enter();
	pl_regions_lock();
	p = pl_real.mremap(old, old_len, new_len, flags, new_addr);
	saved = errno;
	if (p != MAP_FAILED) {
		/* old_len 0 with MREMAP_MAYMOVE duplicates a shared mapping */
		bool ours = pl_regions_covered((uintptr_t)old, page_round(old_len ? old_len : 1));

		if (ours && old_len && !(flags & MREMAP_DONTUNMAP))
			removed = pl_regions_remove((uintptr_t)old, page_round(old_len));
		removed += pl_regions_remove((uintptr_t)p, page_round(new_len));
		if (ours && pl_regions_add((uintptr_t)p, page_round(new_len)))
			added = page_round(new_len);
	}
	pl_regions_unlock();
	pl_guard_leave(guard);
	if (removed)
		attr_on_free(removed, ATTR_ANON);
	if (added)
		attr_on_alloc(added, ATTR_ANON);
	errno = saved;
	return p;
}

/* ---- standard streams ---- */

/*
 * A dup2/dup3 onto fd 1 or 2 is the program redirecting its stdout or
 * stderr, where memline's stream sinks then write too; anything else that
 * takes those numbers (an open or socket after a close) is not theirs.
 */
static inline void note_std_move(int oldfd, int newfd)
{
	int saved = errno;	/* the call's errno is libc's alone */

	if ((newfd == 1 || newfd == 2) && pl_mode_settled() == PL_ON)
		out_std_moving(newfd, oldfd);
	errno = saved;
}

PL_EXPORT int dup2(int oldfd, int newfd)
{
	note_std_move(oldfd, newfd);
	return pl_real.dup2 ? pl_real.dup2(oldfd, newfd) : (int)syscall(SYS_dup2, oldfd, newfd);
}

PL_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	note_std_move(oldfd, newfd);
	return pl_real.dup3 ? pl_real.dup3(oldfd, newfd, flags) :
			      (int)syscall(SYS_dup3, oldfd, newfd, flags);
}
