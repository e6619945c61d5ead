"""A selected generator advanced from two threads, with MEMLINE_ASYNC=thread:
suspended on one thread, resumed and suspended again on the other, it was
linked into the second thread's waiting list while the first still held it
-- a list that looped, and the next resume spun for ever.

    python gen_two_threads.py pool|handoff
"""
import sys
import threading


def items(n):
    for i in range(n):                          # L:loop
        yield bytearray(100_000)                # L:yield


def pool():
    """Two workers take turns on one generator, under a lock."""
    g = items(100)
    lock = threading.Lock()
    got = []

    def worker():
        while True:
            with lock:
                item = next(g, None)
            if item is None:
                return
            got.append(len(item))

    ts = [threading.Thread(target=worker) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return len(got)


def handoff():
    """main, another thread, main, another thread, main."""
    g = items(4)
    n = 0
    for _ in range(2):
        n += len(next(g))
        t = threading.Thread(target=lambda: next(g))
        t.start()
        t.join()
    return n + sum(1 for _ in g)


print(pool() if sys.argv[1] == "pool" else handoff())
