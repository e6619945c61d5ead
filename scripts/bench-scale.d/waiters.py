"""Costs that could grow with how many selected invocations wait at once.

    python waiters.py N thread|close

thread: N selected generators (sel) suspended at a yield, then 200,000
        unselected allocations on the same thread (run with
        MEMLINE_ASYNC=thread: each waits for what its thread allocates),
        then all N resumed and finished.
close:  N selected generators suspended, then 20,000 close() calls on an
        unselected generator, then the N closed oldest first (3.13, where
        memline wraps close()).
Prints the seconds of each timed phase.
"""
import sys
import time


def sel(i):
    yield i
    yield i + 1


def other():
    yield 1


def main():
    n, how = int(sys.argv[1]), sys.argv[2]
    gens = [sel(i) for i in range(n)]
    for g in gens:
        next(g)
    t0 = time.perf_counter()
    if how == "thread":
        for i in range(200_000):
            b = bytearray(2000 + (i & 7))
            del b
    else:
        for _ in range(20_000):
            o = other()
            next(o)
            o.close()
    t1 = time.perf_counter()
    if how == "thread":
        for g in gens:
            for _ in g:
                pass
    else:
        for g in gens:
            g.close()
    t2 = time.perf_counter()
    print("%s N=%d: unselected work %.3f s, finishing the N %.3f s" % (how, n, t1 - t0, t2 - t1))


if __name__ == "__main__":
    main()
