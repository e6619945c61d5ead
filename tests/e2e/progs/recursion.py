"""A recursive selected function and a selected generator."""
import json
import sys


def rec(n):
    keep = bytes(1_000_000)          # L:keep
    if n == 0:
        return [keep]                # L:base
    return [keep] + rec(n - 1)       # L:rec


def gen(n):
    for i in range(n):               # L:for
        yield len(bytes(100_000 * (i + 1)))  # L:yield
    tail = bytes(2_000_000)          # L:tail
    yield sys.getsizeof(tail)        # L:last


r = rec(4)
print(len(r), sum(len(x) for x in r))
print(list(gen(3)))
