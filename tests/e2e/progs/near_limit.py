"""Selected calls a few frames below the recursion limit, then far from
it: memline's own Python (matching the code, reading its source, the
report) must neither fail there nor change where the program's
RecursionError comes (3.8/3.9 give 50 frames of grace after one)."""
import sys

ran = 0
kept = []


def leaf(n):
    global ran
    ran += 1                        # L:count
    kept.append(bytearray(n))       # L:alloc
    return n                        # L:ret


def down(d, n):
    if d == 0:
        return leaf(n)
    return down(d - 1, n)


def depth():
    f, k = sys._getframe(), 0
    while f:
        f, k = f.f_back, k + 1
    return k


def main():
    sys.setrecursionlimit(150)
    base = depth()
    seen = []
    for room in range(-2, 13):           # frames left below the limit
        try:
            seen.append("%d:%d" % (room, down(150 - base - room, 1_000_000)))
        except RecursionError:
            seen.append("%d:RecursionError" % room)
    print(" ".join(seen))
    print("shallow", down(3, 2_000_000))
    print("leaf ran", ran)


main()
