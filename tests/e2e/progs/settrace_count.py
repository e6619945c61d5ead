"""Run a program under a tiny sys.settrace counter: for every function named
in argv[1] (comma-separated), count 'line' events per line number in its
outermost frame only, and write {name: {lineno: count}} as JSON to argv[2].
argv[3] is the program, argv[4:] its arguments."""
import json
import runpy
import sys

names = set(sys.argv[1].split(','))
out_path = sys.argv[2]
prog = sys.argv[3]
counts = {n: {} for n in names}


def outermost(frame):
    code = frame.f_code
    f = frame.f_back
    while f is not None:
        if f.f_code is code:
            return False
        f = f.f_back
    return True


def tracer(frame, event, arg):
    if event == 'call' and frame.f_code.co_name in names and outermost(frame):
        per = counts[frame.f_code.co_name]

        def local(frame, event, arg):
            if event == 'line':
                per[frame.f_lineno] = per.get(frame.f_lineno, 0) + 1
            return local
        return local
    return None


def dump():
    with open(out_path, 'w') as f:
        json.dump(counts, f)


import atexit
atexit.register(dump)
sys.argv = sys.argv[3:]
sys.settrace(tracer)
import threading
threading.settrace(tracer)
try:
    runpy.run_path(prog, run_name='__main__')
finally:
    sys.settrace(None)
