"""3.12+: the program takes memline's sys.monitoring tool id away after a
first selected call: frees every id in use (as a harness resetting
sys.monitoring might), or drops a callback of memline's id
(register_callback(..., None)) or turns its global events off, which
CPython allows for an id the program does not own.  A selected function
first called after that: memline printed an internal error (its local
events refused) and reported the call unfinished at exit, or named its
selector as matching nothing; now the call goes unreported and the exit
says why.

    python tool_lost.py freed|callback|events
"""
import sys


def work(n):
    a = bytearray(n)
    return len(a)


def later(n):
    a = bytearray(n)
    return len(a)


print(work(10))
if hasattr(sys, "monitoring"):
    M = sys.monitoring
    for tid in range(6):
        if sys.argv[1] == "freed" and M.get_tool(tid) is not None:
            M.free_tool_id(tid)
        elif M.get_tool(tid) == "memline":
            if sys.argv[1] == "callback":
                M.register_callback(tid, M.events.PY_START, None)
            else:
                M.set_events(tid, 0)
print(later(20))
print("done")
