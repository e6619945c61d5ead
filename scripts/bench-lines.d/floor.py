"""The floor under any line-exact profiler on 3.12+: workload 4's hot()
with sys.monitoring LINE events on for hot() alone, delivered to the
cheapest callback there is (the C function operator.is_, which does
nothing useful).  memline's callback counts the line and moves the row;
this one only pays CPython's own cost of raising the event.

    python floor.py SCALE [none|floor]

Prints the wall seconds of the two hot() calls.
"""
import operator
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import w4_calls  # noqa: E402


def main():
    scale = int(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "floor"
    if mode == "floor":
        mon = sys.monitoring
        tool = 5
        mon.use_tool_id(tool, "floor")
        mon.register_callback(tool, mon.events.LINE, operator.is_)
        mon.set_local_events(tool, w4_calls.hot.__code__, mon.events.LINE)
    n = scale * 1000 // 2
    t = time.perf_counter()
    w4_calls.hot(n)
    w4_calls.hot(scale * 1000 - n)
    print("%.3f" % (time.perf_counter() - t))


if __name__ == "__main__":
    main()
