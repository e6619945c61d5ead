"""A thread with a small C stack (threading.stack_size(argv[1])) recurses
argv[2] levels deep -- each level through a C call (map), so it takes C
stack on every version -- and calls the selected work() at the bottom.
argv[3] 'top': work() runs once on the main thread first (its source is
read there); 'deep': its first call is the deep one; 'deep-then-top':
the deep one, then one on the main thread.  argv[4], if given,
is a logging format: the program logs INFO records to stderr with it."""
import sys
import threading

SIZE, DEPTH, FIRST = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if len(sys.argv) > 4:
    import logging
    logging.basicConfig(level=logging.INFO, format=sys.argv[4])


def work(n):
    a = bytearray(n)  # L:alloc
    return len(a)


def down(k):
    if k == 0:
        return work(200000)
    return next(map(down, (k - 1,)))


if FIRST == "top":
    work(1)
threading.stack_size(SIZE)
out = []
t = threading.Thread(target=lambda: out.append(down(DEPTH)))
t.start()
t.join()
if FIRST == "deep-then-top":
    out.append(work(1))
print(out)
