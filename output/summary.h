#ifndef OUT_SUMMARY_H
#define OUT_SUMMARY_H

#include <stddef.h>

#include "attribution/account.h"

/* Formats the MEMLINE_SUMMARY line (ending in '\n'); returns its length. */
size_t out_summary_format(char *buf, size_t cap, long pid, const struct attr_totals *t);

/* Writes it to stderr. */
void out_summary(long pid, const struct attr_totals *t);

#endif
