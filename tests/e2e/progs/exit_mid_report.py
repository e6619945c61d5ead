"""MEMLINE_OUTPUT=logging: the program exits while a daemon thread is in
the middle of writing a report through a slow handler.  The interpreter's
finalisation stops daemon threads for good: the report, cut short after
its first record, must be finished first.  Prints each record."""
import logging
import os
import threading
import time

started = threading.Event()


class Slow(logging.Handler):
    def emit(self, record):
        os.write(1, (record.getMessage() + "\n").encode())
        if threading.current_thread().daemon:
            started.set()
            time.sleep(0.02)


root = logging.getLogger()
root.addHandler(Slow())
root.setLevel(logging.INFO)


def f(n):
    big = bytearray(n)
    return len(big)


threading.Thread(target=f, args=(1_000_000,), daemon=True).start()
started.wait(10)
