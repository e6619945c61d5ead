"""A thread with a small C stack (threading.stack_size(argv[1])) runs a
chain of the selected generator chain() argv[2] levels deep, each level a
yield from of the one below (on 3.8-3.11 each level takes C stack)."""
import gc
import sys
import threading

# CPython's automatic collections run at whatever allocation crosses the
# threshold, and memline's own objects (its set-up runs in the main thread
# meanwhile) move them: a collection at the deepest level would take C
# stack of its own, bare or not.  What is measured here is C stack per level.
gc.disable()

SIZE, DEPTH = int(sys.argv[1]), int(sys.argv[2])
sys.setrecursionlimit(100000)


def chain(n):
    keep = bytes(1000)              # L:ckeep
    yield len(keep)
    if n:
        yield from chain(n - 1)     # L:cfrom


threading.stack_size(SIZE)
out = []
t = threading.Thread(target=lambda: out.append(sum(1 for _ in chain(DEPTH))))
t.start()
t.join()
print(out)
