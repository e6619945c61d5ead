"""MEMLINE_OUTPUT=logging: selected callbacks run on threads made by C
code (ctypes from pthreads).  A record made there registered a
threading._DummyThread, which 3.8-3.12 never remove (threading.enumerate()
listed it for good) and which took a number from the counter that names
the program's threads (its next Thread-N was Thread-N+k).

    python foreign_logging.py LIBCTHREADS
"""
import ctypes
import logging
import sys
import threading

logging.basicConfig(level=logging.INFO, format="%(threadName)s|%(message)s",
                    stream=sys.stdout)
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)


def cbwork(i):
    return len(bytearray(1000 + i))


cb = CB(cbwork)
lib = ctypes.CDLL(sys.argv[1])
total = lib.run_threads(cb, 3, 2)
t = threading.Thread(target=lambda: None)
print(total, threading.active_count(), [x.name for x in threading.enumerate()], t.name)
