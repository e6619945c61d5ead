"""Workload 4, call-heavy: millions of tiny Python calls inside hot().

    python w4_calls.py SCALE        (SCALE = calls, in units of 1000)

hot() runs twice, each time making half of the calls.
Prints a checksum and `calls N`, N = how many times hot() ran.
"""
import sys


def inc(x):
    return x + 1


def both(a, b):
    return a if a > b else b


def hot(n):
    t = 0
    m = 0
    for i in range(n):
        t = inc(t)
        m = both(m, i & 1023)
    return t + m


def main(argv):
    scale = int(argv[0]) if argv else 5000
    n = scale * 1000 // 2
    total = hot(n) + hot(scale * 1000 - n)
    print("checksum", total)
    print("calls", 2)


if __name__ == "__main__":
    main(sys.argv[1:])
