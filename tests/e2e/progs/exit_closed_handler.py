"""A selected function still running at exit (a daemon thread) under
MEMLINE_OUTPUT=logging, whose one handler logging.shutdown leaves unable
to show a record by then:

    python exit_closed_handler.py memory|queue|syslog

memory: a MemoryHandler, whose close drops its target (the report was
kept in it, lost); queue: a QueueHandler whose QueueListener atexit stops
(the report went into a queue no one reads); syslog: a SysLogHandler,
whose close closes its socket on 3.8-3.10 (each line printed a 'Logging
error').  The unfinished report belongs on stderr, after one notice."""
import atexit
import logging
import logging.handlers
import queue
import sys
import threading
import time

mode = sys.argv[1]
out = logging.StreamHandler(sys.stdout)
out.setFormatter(logging.Formatter("LOG %(message)s"))
if mode == "memory":
    h = logging.handlers.MemoryHandler(1000, target=out)
elif mode == "queue":
    q = queue.Queue()
    h = logging.handlers.QueueHandler(q)
    listener = logging.handlers.QueueListener(q, out)
    listener.start()
    atexit.register(listener.stop)
else:
    h = logging.handlers.SysLogHandler(address=("127.0.0.1", 9))
root = logging.getLogger()
root.setLevel(logging.INFO)
root.addHandler(h)
started = threading.Event()


def hang():
    keep = bytearray(1_500_000)
    started.set()
    time.sleep(1000)
    return keep


threading.Thread(target=hang, daemon=True).start()
started.wait()
print("end")
