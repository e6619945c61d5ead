"""A thread forks while the main thread is inside memline's own Python
(the logging sink, in the program's handler, the GIL released), where
automatic collection was paused then: the child, without that thread,
kept the pause for good -- its cyclic garbage was never collected.  (The
pause no longer covers the program's handlers; a source read, which also
lets the GIL go, still has it, and the child then resumes collection.)

    python gc_fork_paused.py
"""
import gc
import logging
import os
import threading
import warnings

warnings.simplefilter("ignore")     # 3.12+: fork() with threads running
ready = threading.Event()
done = threading.Event()
child_codes = []


class Slow(logging.Handler):
    def emit(self, record):
        if "Filename:" in record.getMessage():
            ready.set()
            done.wait(10)


def forker():
    ready.wait(10)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if gc.isenabled() else 3)
    child_codes.append(os.waitpid(pid, 0)[1] >> 8)
    done.set()


def work():
    return len(bytearray(1000))


logger = logging.getLogger("memory_profiler_logs")
logger.addHandler(Slow())
logger.setLevel(logging.INFO)
t = threading.Thread(target=forker)
t.start()
n = work()
t.join()
print(n, child_codes, gc.isenabled())
