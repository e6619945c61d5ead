"""sys.settrace(sys.gettrace()) inside a selected function while no tracer
is on (doctest's save and restore, among others): a no-op bare, it took
memline's own tracer away on 3.8-3.11, and the rest of the report showed
Increment only.  Also from a callee.

    python settrace_none.py N
"""
import sys


def restore():
    saved = sys.gettrace()
    sys.settrace(None)
    sys.settrace(saved)


def work(n):
    total = 0                               # L:total
    for i in range(n):                      # L:loop
        sys.settrace(sys.gettrace())        # L:noop
        x = bytearray(1000)                 # L:alloc
        total += len(x)                     # L:add
    restore()                               # L:restore
    big = bytearray(2_000_000)              # L:big
    return total + len(big)


print(work(int(sys.argv[1])), sys.gettrace())
