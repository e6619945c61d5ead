"""Selected functions run while the program's own sys.settrace tracer holds
the thread's trace function: set before the call, and set and cleared
inside it.  The tracer sees what it sees bare; the bytes still land on
their lines."""
import sys

events = []


def tracer(frame, event, arg):
    events.append(event)
    return tracer


def start():
    sys.settrace(tracer)


def stop():
    sys.settrace(None)


def traced_midway():
    a = bytearray(1_000_000)            # L:a
    start()                             # L:start
    b = bytearray(2_000_000)            # L:b
    stop()                              # L:stop
    c = bytearray(3_000_000)            # L:c
    return len(a) + len(b) + len(c)     # L:ret


def traced_throughout():
    big = [bytearray(1_000_000)]        # L:big
    b = bytearray(2_000_000)            # L:b2
    big.clear()                         # L:clear
    return len(b)                       # L:ret2


def traced_gen():
    a = bytearray(1_000_000)            # L:ga
    yield 1                             # L:gy1
    b = bytearray(2_000_000)            # L:gb
    yield 2                             # L:gy2
    a = None                            # L:gfree


print(traced_midway())
sys.settrace(tracer)
print(traced_throughout())
print(list(traced_gen()))
sys.settrace(None)
print(traced_throughout())
print(len(events), sorted(set(events)))
