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


def work():
    a = helper(10)
    start_tracing()                  # a callee installs the program's tracer
    b = helper(20)
    sys.settrace(None)
    c = helper(5)
    return len(a) + len(b) + len(c)


def outer():
    return work() + helper(3)[-1]


print(work())
seen_inside = list(seen)
seen.clear()
sys.settrace(tracer)                 # traced before the selected call
print(outer())
sys.settrace(None)
print(len(seen_inside), seen_inside[:6])
print(len(seen), seen[:6])
