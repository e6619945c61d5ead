"""While a selected function's callee runs quiet (3.8-3.10: memline takes
its thread's share of the interpreter's tracing switches back meanwhile),
nobody else is quieted: another thread's own tracer, running meanwhile or
afterwards, and this thread's tracer started later see every line event
they see bare."""
import sys
import threading


def counted(n):
    t = 0
    for i in range(n):
        t += i
    return t


def traced_run(n, out):
    seen = [0]

    def tracer(frame, event, arg):
        if frame.f_code is counted.__code__ and event == "line":
            seen[0] += 1
        return tracer
    sys.settrace(tracer)
    counted(n)
    sys.settrace(None)
    out.append(seen[0])


def in_thread(n):
    out = []
    t = threading.Thread(target=traced_run, args=(n, out))
    t.start()
    t.join()
    return out[0]


def callee(n):
    seen = in_thread(n)
    spin = 0
    for i in range(n):
        spin += i
    return seen


def work(n):
    seen = callee(n)
    return seen


print("during the quiet, another thread saw", work(1000))
print("afterwards, another thread saw", in_thread(500))
out = []
traced_run(500, out)
print("and this thread saw", out[0])
