"""A selected function called from __del__ methods, with the logging sink
and a QueueHandler whose QueueListener thread waits in queue.get(): a
collection that starts there, holding the queue's lock, ran the finalizer,
whose report went through logging into that queue's put -- which waited
on the same lock for ever (every run hung).

    python gc_queue_logging.py
"""
import gc
import logging
import logging.handlers
import queue
import threading

q = queue.Queue()
root = logging.getLogger()
root.setLevel(logging.INFO)
root.addHandler(logging.handlers.QueueHandler(q))
listener = logging.handlers.QueueListener(q, logging.NullHandler())
listener.start()


def g():
    return len(bytearray(1000))


class Cyclic:
    def __init__(self):
        self.me = self

    def __del__(self):
        g()


gc.set_threshold(20)
stop = False


def churn():
    # at most 100,000 each: every one is a report, and a collection that
    # comes late (the collector paused meanwhile) has them all to finalize
    for _ in range(2000):
        if stop:
            break
        for _ in range(50):
            Cyclic()


threads = [threading.Thread(target=churn) for _ in range(2)]
for t in threads:
    t.start()
for i in range(3000):
    logging.getLogger("app").info("record %d", i)
    Cyclic()
stop = True
for t in threads:
    t.join()
listener.stop()
gc.set_threshold(700)
print("done")
