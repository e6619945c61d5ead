"""Deep recursion, which 3.11+ runs without C stack, in the main thread
and in a thread with a small stack, inside selected functions."""
import sys
import threading

sys.setrecursionlimit(1_000_000)


def down(n):
    return 0 if n == 0 else 1 + down(n - 1)


def work():
    keep = bytes(3_000_000)             # L:keep
    return down(100_000) + len(keep)


def small():
    print("thread", down(5_000))


print("main", work())
threading.stack_size(256 * 1024)
t = threading.Thread(target=small)
t.start()
t.join()
