/*
 * The anonymous mappings memline has counted, as a sorted set of page
 * ranges, so munmap/mremap subtract exactly what mmap added and never a
 * file mapping.  Every call is made with the table lock held; the lock is
 * taken around fork() so a child never inherits it held.
 */
#ifndef PL_REGIONS_H
#define PL_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void pl_regions_lock(void);
void pl_regions_unlock(void);

/* Forgets [start, start+len) and returns how many counted bytes it held. */
size_t pl_regions_remove(uintptr_t start, size_t len);

/* Records [start, start+len); returns false when the table cannot grow. */
bool pl_regions_add(uintptr_t start, size_t len);

/* How many bytes of [start, start+len) are recorded. */
size_t pl_regions_covered(uintptr_t start, size_t len);

/* pthread_atfork handlers. */
void pl_regions_fork_prepare(void);
void pl_regions_fork_parent(void);
void pl_regions_fork_child(void);

#endif
