"""A signal whose handler raises, arriving while selected functions report
(thousands of reports, so many land inside memline's own work).
argv[1]: 'boom' (the SIGALRM handler raises Boom), 'exit' (it calls
sys.exit(143): the program's except and finally must run), 'int' (it
sends SIGINT: KeyboardInterrupt); argv[2]: the delay in seconds."""
import logging
import io
import os
import signal
import sys
import time

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=io.StringIO())


class Boom(Exception):
    pass


def handler(signum, frame):
    if sys.argv[1] == "boom":
        raise Boom("alarm")
    if sys.argv[1] == "exit":
        sys.exit(143)
    os.kill(os.getpid(), signal.SIGINT)


def work():
    a = bytearray(1000)
    return len(a)


work()
signal.signal(signal.SIGALRM, handler)
# a shell that starts jobs in the background may hand SIGINT down ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.setitimer(signal.ITIMER_REAL, float(sys.argv[2]))
def spin():
    t = time.time()
    while time.time() - t < 2:
        work()


try:
    spin()
    print("no exception")
except Boom as e:
    print("caught", e)
except SystemExit as e:
    print("exit", e.code)
except KeyboardInterrupt:
    print("interrupted")
finally:
    print("cleanup ran")
