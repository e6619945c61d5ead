"""Generators and coroutines made but never run: a selector that names only
them matched no function that ran, on every version (3.8-3.10 evaluate a
generator's frame to close it before it ran, 3.11 to make it; 3.12+ never
start it).  ran() runs, and is the only report.

    python never_ran.py"""
import warnings

warnings.simplefilter("ignore")     # the coroutine never awaited


async def never_awaited():
    return 1


def never_next():
    yield 1


def closed_first():
    yield 2


def ran():  # L:ran
    return [0] * 10


c = never_awaited()
g = never_next()
h = closed_first()
h.close()
del c, g, h
print(len(ran()))
