"""3.12+: the program frees every sys.monitoring tool id in use (memline's
among them), as a harness resetting sys.monitoring might, then calls a
selected function it had not called before: memline printed an internal
error (its local events refused) and reported that call unfinished at
exit; now the call goes unreported and the exit says why."""
import sys


def work(n):
    a = bytearray(n)
    return len(a)


def later(n):
    a = bytearray(n)
    return len(a)


print(work(10))
if hasattr(sys, "monitoring"):
    for i in range(6):
        if sys.monitoring.get_tool(i) is not None:
            sys.monitoring.free_tool_id(i)
print(later(20), later(30))
print("done")
