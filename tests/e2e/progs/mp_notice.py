"""A pool's workers run the selected f, the main process never does.

    mp_notice.py METHOD     (fork, spawn, forkserver)
"""
import multiprocessing
import sys


def f(n):
    return len(bytearray(n))


if __name__ == "__main__":
    with multiprocessing.get_context(sys.argv[1]).Pool(1) as pool:
        print(pool.map(f, [1000, 2000]))
