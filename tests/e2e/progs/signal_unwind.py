"""A signal handler raises while memline reports a selected call, at the
call's return or while the call's own exception unwinds: the handler's
exception is raised there, inside the caller's try statement (it was
raised at the next check, past the try statement, when the call had
raised).  The signal comes from the program's own logging handler, which
memline's records (MEMLINE_OUTPUT=logging) run, so it comes every time."""
import logging
import os
import signal


class Interrupt(Exception):
    pass


def on_usr1(signum, frame):
    raise Interrupt()


class Kick(logging.Handler):
    def emit(self, record):
        os.kill(os.getpid(), signal.SIGUSR1)


def work(fail):
    x = bytearray(100)
    if fail:
        raise ValueError("its own")
    return len(x)


logging.getLogger("memory_profiler_logs").addHandler(logging.StreamHandler())
logging.getLogger("memory_profiler_logs").addHandler(Kick())
logging.getLogger("memory_profiler_logs").setLevel(logging.INFO)
signal.signal(signal.SIGUSR1, on_usr1)
for fail in (False, True, False, True):
    try:
        print("returned", work(fail))
    except Interrupt as e:
        print("interrupted at the return, during", repr(e.__context__))
    except ValueError as e:
        print("raised", repr(e))
print("handler kept", signal.getsignal(signal.SIGUSR1) is on_usr1)
