"""A selected generator caught in a reference cycle (it holds itself): the
garbage collector must still finalize it, running its finally block."""
import gc

finalized = []


def gen():
    try:
        me = yield                       # L:first
        yield me                         # L:second
    finally:
        finalized.append(bytearray(2_000_000))   # L:final


g = gen()
next(g)
g.send(g)
del g
gc.collect()
print("finalized", len(finalized), "after collect")
