"""Two calls of a small function for the sink tests; with an argument, the
program changes directory between them (its reports must not follow)."""
import os
import sys


def work(n):
    a = bytearray(n)
    return len(a)


print("first", work(3_000_000))
if len(sys.argv) > 1:
    os.chdir(sys.argv[1])
print("second", work(3_000_000))
