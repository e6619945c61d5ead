"""MEMLINE_ASYNC=thread: a generator suspended on a worker thread and run
to its end on the main thread, N times; then the worker allocates."""
import queue
import sys
import threading


def gen():
    yield 1
    yield 2


n = int(sys.argv[1])
to_worker, from_worker = queue.Queue(), queue.Queue()


def worker():
    while to_worker.get():
        g = gen()
        next(g)                 # suspended on the worker
        from_worker.put(g)
    for i in range(20000):      # the worker's own allocations, after
        b = bytes(1000 + (i & 7))
        del b


t = threading.Thread(target=worker)
t.start()
for _ in range(n):
    to_worker.put(True)
    print(sum(from_worker.get()), end=" ")     # finished on the main thread
to_worker.put(False)
t.join()
print()
