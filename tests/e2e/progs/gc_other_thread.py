"""MEMLINE_OUTPUT=logging: a report that ends inside a garbage collection
goes to stderr.  One thread collecting (its finalizer sleeps, letting the
GIL go) sent every other thread's reports to stderr too, as if they had
ended inside it.

    python gc_other_thread.py
"""
import gc
import logging
import sys
import threading
import time

logging.basicConfig(level=logging.INFO, format="LOG %(threadName)s %(message)s",
                    stream=sys.stdout)
started = threading.Event()


class Slow:
    def __init__(self):
        self.me = self

    def __del__(self):
        started.set()
        time.sleep(0.5)


def work():
    return len(bytearray(100_000))


def collector():
    Slow()
    gc.collect()


t = threading.Thread(target=collector, name="collector")
t.start()
started.wait(10)
n = work()
t.join()
print(n, flush=True)
