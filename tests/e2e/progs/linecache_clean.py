"""memline reads a selected function's source through linecache; the
program's linecache must hold afterwards what it holds bare."""
import linecache

linecache.clearcache()


def work():
    a = bytearray(1_000_000)          # L:big
    return len(a)


work()
print(sorted(linecache.cache))
