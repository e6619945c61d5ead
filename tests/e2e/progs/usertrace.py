"""A program with its own sys.settrace tracer, around and inside a
selected function: memline must leave it alone (the events it sees and
the program's output are bare's)."""
import sys

seen = []


def tracer(frame, event, arg):
    seen.append((frame.f_code.co_name, event))
    return tracer


def helper(n):
    return [i * i for i in range(n)]


def start_tracing():
    sys.settrace(tracer)


def trace_inside():
    sys.settrace(tracer)             # a tracer started deep in a callee
    x = helper(3)
    sys.settrace(None)
    return x


def profile_inside():
    prof = []
    sys.setprofile(lambda frame, event, arg: prof.append((frame.f_code.co_name, event)))
    helper(2)
    sys.setprofile(None)
    return prof


def work():
    a = helper(10)
    start_tracing()                  # a callee installs the program's tracer
    b = helper(20)
    sys.settrace(None)
    c = helper(5)
    return len(a) + len(b) + len(c)


def work2():
    a = helper(4)
    x = trace_inside()
    events = list(seen)
    seen.clear()
    p = profile_inside()
    return a, x, events, p


def outer():
    return work() + helper(3)[-1]


print(work2())
print(work())
seen_inside = list(seen)
seen.clear()
sys.settrace(tracer)                 # traced before the selected call
print(outer())
sys.settrace(None)
print(len(seen_inside), seen_inside[:6])
print(len(seen), seen[:6])
