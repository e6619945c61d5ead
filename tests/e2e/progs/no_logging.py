"""A program that forbids logging: the logging sink's reports go to
stderr, with one notice."""
import sys

sys.modules["logging"] = None


def f(n):
    big = bytearray(n)                   # L:big
    return len(big)


print(f(1_000_000))
