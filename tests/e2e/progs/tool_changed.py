"""3.12+: the program drops a callback of memline's sys.monitoring tool id
(register_callback(..., None)) or turns its global events off, which CPython
allows for an id the program does not own: memline's later calls went
unreported, and the exit named their selectors as matching nothing.

    python tool_changed.py callback|events
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
        if M.get_tool(tid) == "memline":
            if sys.argv[1] == "callback":
                M.register_callback(tid, M.events.PY_START, None)
            else:
                M.set_events(tid, 0)
print(later(20))
print("done")
