"""Known sizes on known lines.  Prints the true size of each object as JSON
(marker name -> bytes, negative for frees) and work()'s return value."""
import json
import os
import sys
import zlib

true = {}


def work():
    a = bytearray(50_000_000)                   # L:bytearray
    b = b"x" * 30_000_000                       # L:bytesmul
    c = [0] * 5_000_000                         # L:list
    d = bytes(40_000_000)                       # L:calloc
    r = os.urandom(20_000_000)                  # L:urandom
    z = zlib.compress(r)                        # L:zlib
    del r                                       # L:delr
    s = ["x" * 4_000_000] * 3                   # L:strlist
    j = json.dumps(s)                           # L:json
    true.update(bytearray=sys.getsizeof(a), bytesmul=sys.getsizeof(b),
                list=sys.getsizeof(c), calloc=sys.getsizeof(d),
                urandom=sys.getsizeof(z) - len(z) + 20_000_000,
                zlib=sys.getsizeof(z), strlist=sys.getsizeof(s) + sys.getsizeof(s[0]),
                json=sys.getsizeof(j))
    true["delr"] = -true["urandom"]
    true["dela"] = -true["bytearray"]
    del a                                       # L:dela
    return len(b), len(c), len(d), len(z), len(j)


result = work()
print(json.dumps(true))
print(result)
