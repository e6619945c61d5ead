"""Which modules memline imports for itself does the program see?  (None:
memline takes gc, and the logging sink its gc.callbacks entry, without
leaving gc in sys.modules.)"""
import logging
import sys

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)


def work(n):
    a = bytearray(n)
    return len(a)


print("first", work(3_000_000))
print("second", work(3_000_000))
print("gc" in sys.modules)
