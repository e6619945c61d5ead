"""The program's logging handler switches automatic collection off while
memline's logging sink runs it: memline, which had paused collection
there itself, switched it back on after.

    python gc_handler_disable.py
"""
import gc
import logging


calls = []


class Off(logging.Handler):
    def emit(self, record):
        calls.append(1)
        gc.disable()


def work():
    return len(bytearray(1000))


logger = logging.getLogger("memory_profiler_logs")
logger.addHandler(Off())
logger.setLevel(logging.INFO)
n = work()
print(n, gc.isenabled() == (not calls))
