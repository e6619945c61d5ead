"""A collection set off while memline matches a function at its first call
(its own Python allocates): bare, the program's finalizers run in the
program's code, on the line that set the collection off.  memline's own
Python once ran them itself: unreported (a selected __del__), and what they
allocated or freed counted on no line.

    python gc_in_matching.py
"""
import gc
import sys

keep = []
callers = []


class Cyclic:
    def __init__(self):
        self.me = self

    def __del__(self):
        keep.append(bytearray(3_000_000))
        callers.append(sys._getframe(1).f_code.co_filename)


class Plain:
    pass


def first_call():
    return 1


def work():
    Cyclic()                                            # L:garbage
    gc.set_threshold(1)                                 # L:low
    y = first_call(); junk = [Plain() for _ in range(50)]  # L:first
    gc.set_threshold(700)                               # L:back
    keep.clear()                                        # L:clear
    return y + len(junk)


print(work(), callers == [__file__], len(keep))
