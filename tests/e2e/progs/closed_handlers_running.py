"""Handlers on memline's logger that work on while the program runs though
logging would call them closed, or that have no target yet:

    python closed_handlers_running.py queue|memory

queue: a QueueHandler whose QueueListener runs on after a library's
dictConfig (disable_existing_loggers False) closed it; memory: a
MemoryHandler without a target until the program sets one.  Prints how
many records the handler behind them got, and how many were memline's
report rows of work()'s allocating line."""
import logging
import logging.config
import logging.handlers
import queue
import sys

mode = sys.argv[1]
log = logging.getLogger("memory_profiler_logs")
log.setLevel(logging.INFO)
log.propagate = False
got = []


class Keep(logging.Handler):
    def emit(self, record):
        got.append(record.getMessage())


if mode == "queue":
    q = queue.Queue()
    h = logging.handlers.QueueHandler(q)
    listener = logging.handlers.QueueListener(q, Keep())
    listener.start()
else:
    h = logging.handlers.MemoryHandler(1000, target=None)
log.addHandler(h)
if mode == "queue":
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
                               "root": {"level": "WARNING"}})


def work(n):
    a = [0] * n
    return len(a)


log.info("program record")
work(100_000)
if mode == "memory":
    h.setTarget(Keep())
    h.flush()
else:
    listener.stop()
print("received %d records, %d of work's row" % (len(got), sum("a = [0]" in m for m in got)))
