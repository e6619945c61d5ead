"""Calls of a selected function that fail at entry with RecursionError (the
limit reached by the call itself): they never ran, sys.settrace sees no
call of theirs, and they must not be reported.  Prints how many calls of
work() ran."""
import sys

calls = 0


def work(n):
    global calls
    calls += 1
    return n


def dig(d):
    work(d)
    return dig(d + 1)


def probe(d):
    try:
        return probe(d + 1)
    except RecursionError:
        pass
    try:
        work(d)        # at the limit: may fail at entry
    except RecursionError:
        pass
    return d


sys.setrecursionlimit(300)
try:
    dig(0)
except RecursionError:
    pass
probe(0)
print("calls", calls)
