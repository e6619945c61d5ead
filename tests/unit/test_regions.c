#include <criterion/criterion.h>

#include "preload/regions.h"

#define P 4096UL

/* The table is process-global: each test starts by clearing a window. */
static const uintptr_t base = 0x100000000UL;

static void clear(void)
{
	pl_regions_lock();
	pl_regions_remove(base, 1024 * P);
	pl_regions_unlock();
}

Test(regions, add_then_remove_exactly)
{
	clear();
	cr_assert(pl_regions_add(base, 10 * P));
	cr_assert_eq(pl_regions_covered(base, 10 * P), 10 * P);
	cr_assert_eq(pl_regions_remove(base, 10 * P), 10 * P);
	cr_assert_eq(pl_regions_covered(base, 10 * P), 0);
}

Test(regions, hole_in_the_middle_splits)
{
	clear();
	pl_regions_add(base, 10 * P);
	cr_assert_eq(pl_regions_remove(base + 3 * P, 2 * P), 2 * P);
	cr_assert_eq(pl_regions_covered(base, 10 * P), 8 * P);
	cr_assert_eq(pl_regions_covered(base + 3 * P, 2 * P), 0);
	cr_assert_eq(pl_regions_remove(base, 10 * P), 8 * P);
}

Test(regions, remove_spanning_several_and_gaps)
{
	clear();
	pl_regions_add(base, 2 * P);
	pl_regions_add(base + 4 * P, 2 * P);
	pl_regions_add(base + 8 * P, 2 * P);
	/* from the middle of the first to the middle of the last */
	cr_assert_eq(pl_regions_remove(base + P, 8 * P), 4 * P);
	cr_assert_eq(pl_regions_covered(base, P), P);
	cr_assert_eq(pl_regions_covered(base + 9 * P, P), P);
	cr_assert_eq(pl_regions_covered(base, 10 * P), 2 * P);
}

Test(regions, not_ours_is_nothing)
{
	clear();
	pl_regions_add(base, 2 * P);
	cr_assert_eq(pl_regions_remove(base + 100 * P, 4 * P), 0);
	cr_assert_eq(pl_regions_covered(base, 2 * P), 2 * P);
}

Test(regions, grows_past_initial_capacity)
{
	clear();
	/* every other page, more entries than the first table holds */
	for (uintptr_t i = 0; i < 10000; i++)
		cr_assert(pl_regions_add(base + 2 * i * P, P));
	cr_assert_eq(pl_regions_covered(base, 20000 * P), 10000 * P);
	cr_assert_eq(pl_regions_remove(base, 20000 * P), 10000 * P);
}
