"""A callee's allocations count at the calling line of the selected function,
however deep the call chain."""
import json
import sys

true = {}


def helper3(n):
    return bytearray(n)


def helper2(n):
    scratch = bytes(n // 2)          # freed when helper2 returns
    return helper3(n) if scratch is not None else None


def helper(n):
    return helper2(n)


def transient(n):
    big = bytes(n)
    return len(big)


def work():
    x = 1                            # L:plain
    a = helper(30_000_000)           # L:deep
    t = transient(25_000_000)        # L:transient
    b = [helper(1_000_000) for _ in range(3)]    # L:comp
    true.update(deep=sys.getsizeof(a),
                comp=sum(sys.getsizeof(o) for o in b) + sys.getsizeof(b))
    return len(a) + t + x


print(work())
print(json.dumps(true))
