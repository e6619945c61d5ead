"""MEMLINE_ASYNC=thread: N times, a thread suspends a selected generator
and ends; the main thread then finishes it.  What memline kept for the
ended thread's waits (~320 bytes each) was never freed."""
import sys
import threading


def gen():
    yield 1
    yield 2


n = int(sys.argv[1])
for _ in range(n):
    box = []

    def suspend():
        g = gen()
        next(g)
        box.append(g)

    t = threading.Thread(target=suspend)
    t.start()
    t.join()
    print(sum(box[0]), end=" ")
print()
