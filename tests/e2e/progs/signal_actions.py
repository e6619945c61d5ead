"""memline holds the program's Python signal handlers back while its own
Python runs them through logging (MEMLINE_OUTPUT=logging) or reads a
source, and sends what came meanwhile again after.  Putting the handlers
back with signal.signal lost their actions' flags (siginterrupt's
SA_RESTART: a blocking call interrupted by the signal failed with EINTR
where bare restarted it), and the signal's handler ran inside memline's
Python, its frame one of memline's.  The program's own logging handler
signals the process at each report's Filename record, and at the first
changes SIGUSR2's action (siginterrupt): an action the program set
meanwhile stays (the one from before the wait was put back over it).  A sys.settrace tracer sees the handlers
(on 3.12+ they ran inside memline's monitoring callback, unseen).
"""
import ctypes
import logging
import os
import signal
import sys

libc = ctypes.CDLL(None, use_errno=True)


class Action(ctypes.Structure):
    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16),
                ("flags", ctypes.c_int), ("restorer", ctypes.c_void_p)]


def action(n):
    a = Action()
    libc.sigaction(n, None, ctypes.byref(a))
    return a.handler, a.flags


frames = []
traced = []
set_meanwhile = []


def on_usr1(signum, frame):
    frames.append(frame.f_code.co_filename)


def tracer(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "on_usr1":
        traced.append(1)


class Kick(logging.Handler):
    def emit(self, record):
        if "Filename:" in record.getMessage():
            if not set_meanwhile:
                signal.siginterrupt(signal.SIGUSR2, False)
                set_meanwhile.append(action(signal.SIGUSR2))
            os.kill(os.getpid(), signal.SIGUSR1)


def work():
    x = bytearray(100_000)                  # L:alloc
    return len(x)


signal.signal(signal.SIGUSR1, on_usr1)
signal.siginterrupt(signal.SIGUSR1, False)
signal.signal(signal.SIGUSR2, lambda signum, frame: None)
watched = (signal.SIGUSR1, signal.SIGINT)
before = [action(n) for n in watched]
logger = logging.getLogger("memory_profiler_logs")
logger.addHandler(logging.StreamHandler(sys.stderr))
logger.addHandler(Kick())
logger.setLevel(logging.INFO)
sys.settrace(tracer)
total = sum(work() for _ in range(3))
sys.settrace(None)
print(total, before == [action(n) for n in watched], len(frames),
      all(f == __file__ for f in frames), len(traced) == len(frames),
      set_meanwhile in ([], [action(signal.SIGUSR2)]))
