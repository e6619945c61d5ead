"""A pool's workers run the selected f (one of the three may get no job), the
main process never does.

    mp_notice.py METHOD     (fork, spawn, forkserver)
"""
import multiprocessing
import sys


def f(n):
    return len(bytearray(n))


if __name__ == "__main__":
    pool = multiprocessing.get_context(sys.argv[1]).Pool(3)
    print(pool.map(f, [1000, 2000]))
    pool.close()
    pool.join()                       # the workers end as a program does
