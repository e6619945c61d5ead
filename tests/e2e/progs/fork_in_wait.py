"""A thread forks while the main thread's logging handler runs inside
memline's logging sink, where the program's Python signal handlers wait
(memline's noting handler in their place): the child, whose main thread
the forking thread becomes, kept the noting handler for good -- its
SIGUSR1 handler never ran, Ctrl-C raised nothing.  And when memline
paused automatic collection there (it no longer does around the
program's handlers; a source read, which lets the GIL go too, still
pauses it), the child kept the pause for good.

    python fork_in_wait.py
"""
import gc
import logging
import os
import signal
import sys
import threading

got = []
inside = threading.Event()
done = threading.Event()


def on_usr1(signum, frame):
    got.append(signum)


class Slow(logging.Handler):
    def emit(self, record):
        if "Filename:" in record.getMessage():
            inside.set()
            done.wait(10)


def work():
    return len(bytearray(1000))


def forker():
    inside.wait(10)
    pid = os.fork()
    if pid == 0:
        handler = signal.getsignal(signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGUSR1)
        for _ in range(1000):
            pass
        try:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        ok = handler is on_usr1 and got == [signal.SIGUSR1] and interrupted and gc.isenabled()
        os._exit(0 if ok else 3)
    codes.append(os.waitpid(pid, 0)[1] >> 8)
    done.set()


signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGUSR1, on_usr1)
codes = []
logger = logging.getLogger("memory_profiler_logs")
logger.addHandler(Slow())
logger.setLevel(logging.INFO)
t = threading.Thread(target=forker)
t.start()
n = work()
inside.set()
t.join()
print(n, codes, signal.getsignal(signal.SIGUSR1) is on_usr1)
