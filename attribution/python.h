/*
 * Everything memline knows about CPython lives in attribution/.  This is
 * the cheap first question preload/ asks once per process.
 */
#ifndef ATTR_PYTHON_H
#define ATTR_PYTHON_H

#include <stdbool.h>

/* True when a CPython runtime is linked into this process (shared
 * libpython or a static interpreter exporting its API). */
bool attr_python_present(void);

#endif
