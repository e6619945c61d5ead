#include "output/summary.h"

#include "output/format.h"
#include "output/sink.h"

size_t out_summary_format(char *buf, size_t cap, long pid, const struct attr_totals *t)
{
	char peak[32], live[32];

	return out_format(buf, cap,
			  "memline: pid %ld peak %s MiB, live at exit %s MiB, %llu allocations, "
			  "%llu frees (exact bytes: peak %lld, heap %lld, anonymous mappings %lld)\n",
			  pid, out_mib(peak, sizeof(peak), t->peak, 1),
			  out_mib(live, sizeof(live), t->heap_live + t->anon_live, 1),
			  (unsigned long long)t->allocs, (unsigned long long)t->frees,
			  (long long)t->peak, (long long)t->heap_live, (long long)t->anon_live);
}

void out_summary(long pid, const struct attr_totals *t)
{
	char line[OUT_LINE_MAX];
	size_t n = out_summary_format(line, sizeof(line), pid, t);

	out_stderr.write(out_stderr.ctx, line, n);
}
