"""A repeating SIGALRM whose handler raises while the program runs new
code (each new function is matched and its source read by memline's
Python) and a selected function: what the program catches must look as
it does bare, a traceback of the program's frames ending in the handler,
however often the signal lands inside memline's work.  Prints the
distinct shapes seen."""
import json
import signal
import sys
import traceback


class Tick(Exception):
    pass


armed = False


def handler(signum, frame):
    global armed
    if armed:
        armed = False
        raise Tick()


def work(i):
    d = {"k%d" % j: list(range(j)) for j in range(50)}
    return len(json.dumps(d))


signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
caught = 0
shapes = set()
i = 0
try:
    while caught < 300 and i < 100000:
        try:
            armed = True
            ns = {}
            exec("def f%d(x):\n    return x + 1\n" % i, ns)
            ns["f%d" % i](1)
            work(i)
            armed = False
        except Tick as e:
            armed = False
            caught += 1
            tb = traceback.extract_tb(e.__traceback__)
            shapes.add((tb[0].name, tb[-1].name,
                        any(fr.filename.startswith("<memline") for fr in tb)))
        i += 1
finally:
    armed = False
    signal.setitimer(signal.ITIMER_REAL, 0, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
print("caught", caught >= 300)
for s in sorted(shapes):
    print(*s)
