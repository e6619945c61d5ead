"""3.12+: the program frees memline's sys.monitoring tool id and takes it
for itself, which can end memline's events: the exit says so."""
import sys


def work(n):
    a = bytearray(n)
    return len(a)


work(10)
if hasattr(sys, "monitoring"):
    M = sys.monitoring
    tid = next(i for i in range(6) if M.get_tool(i) == "memline")
    M.free_tool_id(tid)
    M.use_tool_id(tid, "mine")
    M.register_callback(tid, M.events.PY_START, lambda code, offset: None)
    M.set_events(tid, M.events.PY_START)
work(20)
print("done")
