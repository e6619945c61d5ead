"""memline puts the program's Python signal handlers back after its
logging sink ran the program's logging handlers, and signal.signal runs
the pending signals' handlers first: one already back could raise there
(a timer's handler), and the handlers after it stayed memline's noting one
for good -- SIGTERM's handler never ran again.  A stand-in for _signal
whose signal() raises at a chosen call stands for that handler: every
handler must come back, the exception reach the program.

    python signal_put_back.py
"""
import logging
import sys

from fake_signal import FakeSignal, Stop, h_int, h_term, h_usr1

ORIGINAL = {2: h_int, 10: h_usr1, 15: h_term}


def work():
    return len(bytearray(1000))


logger = logging.getLogger("memory_profiler_logs")
logger.addHandler(logging.StreamHandler(sys.stderr))
logger.setLevel(logging.INFO)
work()                      # its source read first, with the real _signal
real = sys.modules["_signal"]
results = []
# a report's wait: calls 1-3 replace the three, 4-6 put them back
for fail_at in (0, 2, 4, 5, 6):
    fake = FakeSignal(ORIGINAL, fail_at, Stop())
    sys.modules["_signal"] = fake
    stopped = False
    try:
        work()
        for _ in range(100):    # checks, where a handed-back exception comes
            pass
    except Stop:
        stopped = True
    sys.modules["_signal"] = real
    results.append((fail_at, fake.handlers == ORIGINAL, stopped))
print(results)
