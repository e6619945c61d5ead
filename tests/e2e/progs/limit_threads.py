"""memline's room above the recursion limit is the reporting thread's
alone: the program's other threads never see another limit, and a
program that recurses into a selected function until RecursionError
catches it as bare does (3.8's grace flag must not be left set, or the
next RecursionError never comes and CPython aborts)."""
import logging
import sys
import threading

logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")


def sel(n):
    return n


def rec(n):
    sel(n)
    return rec(n + 1)


def work(k):
    return len(bytearray(k))


def main():
    try:
        rec(0)
    except RecursionError:
        print("RecursionError caught")
    try:
        rec(0)
    except RecursionError:
        print("RecursionError caught again")
    seen = set()
    done = threading.Event()

    def reporter():
        for i in range(300):
            work(1000 + i)
        done.set()

    t = threading.Thread(target=reporter)
    t.start()
    while True:
        seen.add(sys.getrecursionlimit())
        if done.is_set():
            break
    t.join()
    print("limits seen", sorted(seen))
    print("limit at the end", sys.getrecursionlimit())


main()
