"""MEMLINE_OUTPUT=logging while a signal handler raises, every 0.3 ms, on
the main thread: its exception must not land inside logging's code (where
a handler's lock, taken and not released, stopped the other thread's next
report for ever), and must reach the program's try statement around the
selected call (it was raised past it, at the loop's next turn).

    python signal_logging.py SECONDS [configured]
"""
import logging
import signal
import sys
import threading
import time

if sys.argv[2:] == ["configured"]:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)


class Boom(Exception):
    pass


armed = False


def handler(signum, frame):
    global armed
    if armed:
        armed = False
        raise Boom()


def sel(n):
    return len([bytearray(10) for _ in range(n)])


stop = False


def other():
    while not stop:
        sel(5)
        time.sleep(0.001)


t = threading.Thread(target=other)
t.start()
signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0003, 0.0003)
caught = calls = 0
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        armed = True
        sel(3)
        armed = False
        calls += 1
    except Boom:
        caught += 1
armed = False
signal.setitimer(signal.ITIMER_REAL, 0, 0)
stop = True
t.join()
print("done", calls > 0)
