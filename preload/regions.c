/*
 * A sorted array of disjoint [start, end) ranges in a private mapping
 * obtained from the kernel directly, so the table never touches the
 * hooked allocator.  Mappings are few (Python's arenas are 256 KiB or
 * 1 MiB), so insertion by memmove is cheap enough.
 */
#include "preload/regions.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "preload/libc.h"

struct range {
	uintptr_t start, end;
};

static struct range *table;
static size_t used, cap;
static atomic_flag busy = ATOMIC_FLAG_INIT;

void pl_regions_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&busy, memory_order_acquire))
		sched_yield();
}

void pl_regions_unlock(void)
{
	atomic_flag_clear_explicit(&busy, memory_order_release);
}

void pl_regions_fork_prepare(void)
{
	pl_regions_lock();
}

void pl_regions_fork_parent(void)
{
	pl_regions_unlock();
}

void pl_regions_fork_child(void)
{
	pl_regions_unlock();
}

static bool grow(void)
{
	size_t new_cap = cap ? cap * 2 : 4096;
	void *p;
	int saved = errno;

	if (table)
		p = pl_sys_mremap(table, cap * sizeof(*table), new_cap * sizeof(*table),
				  MREMAP_MAYMOVE, NULL);
	else
		p = pl_sys_mmap(NULL, new_cap * sizeof(*table), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	if (p == MAP_FAILED)
		return false;
	table = p;
	cap = new_cap;
	return true;
}

/* Index of the first range whose end lies above addr. */
static size_t first_above(uintptr_t addr)
{
	size_t lo = 0, hi = used;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (table[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool insert_at(size_t i, uintptr_t start, uintptr_t end)
{
	if (used == cap && !grow())
		return false;
	memmove(&table[i + 1], &table[i], (used - i) * sizeof(*table));
	table[i].start = start;
	table[i].end = end;
	used++;
	return true;
}

static void delete_at(size_t i)
{
	memmove(&table[i], &table[i + 1], (used - i - 1) * sizeof(*table));
	used--;
}

size_t pl_regions_remove(uintptr_t start, size_t len)
{
	uintptr_t end = start + len;
	size_t i = first_above(start), removed = 0;

	while (i < used && table[i].start < end) {
		struct range *r = &table[i];
		uintptr_t lo = r->start > start ? r->start : start;
		uintptr_t hi = r->end < end ? r->end : end;

		removed += hi - lo;
		if (r->start < start && r->end > end) {
			/* A hole in the middle: keep both sides. */
			uintptr_t right_end = r->end;

			r->end = start;
			if (!insert_at(i + 1, end, right_end)) {
				/* Cannot split: count the right side as gone too. */
				removed += right_end - end;
			}
			break;
		}
		if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			r->start = end;
			break;
		} else {
			delete_at(i);
		}
	}
	return removed;
}

bool pl_regions_add(uintptr_t start, size_t len)
{
	return insert_at(first_above(start), start, start + len);
}

size_t pl_regions_covered(uintptr_t start, size_t len)
{
	uintptr_t end = start + len;
	size_t covered = 0;

	for (size_t i = first_above(start); i < used && table[i].start < end; i++) {
		uintptr_t lo = table[i].start > start ? table[i].start : start;
		uintptr_t hi = table[i].end < end ? table[i].end : end;

		covered += hi - lo;
	}
	return covered;
}
