"""MEMLINE_ASYNC=thread: a selected generator advanced by another thread
each time; after each next() that thread allocates 4,000,000 bytes (kept)
while the generator waits at its yield.  Once it had been resumed on a
second thread, its later waits counted nothing (it stayed in the first
thread's waiting list, which alone could hold it).

    python wait_each_thread.py newthreads|twothreads
"""
import queue
import sys
import threading


def gen():
    yield 1                     # L:y1
    yield 2                     # L:y2
    yield 3                     # L:y3
    yield 4                     # L:y4


g = gen()
hold = []


def step():
    next(g, None)
    hold.append(bytearray(4_000_000))


if sys.argv[1] == "newthreads":         # a thread of its own for each step
    for _ in range(5):
        t = threading.Thread(target=step)
        t.start()
        t.join()
else:                                   # two threads take turns
    qs = [queue.Queue(), queue.Queue()]
    done = queue.Queue()

    def worker(me):
        while qs[me].get():
            step()
            done.put(1)

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in ts:
        t.start()
    for k in range(5):
        qs[k % 2].put(True)
        done.get()
    for q in qs:
        q.put(False)
    for t in ts:
        t.join()
print(len(hold))
