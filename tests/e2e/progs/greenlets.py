"""Selected functions across greenlet switches.

    greenlets.py siblings   work() runs in two greenlets at once, each
                            waiting (switched away) while the other and
                            an unselected hog allocate
    greenlets.py child      handler() runs sync() in a child greenlet that
                            switches back to it midway (SQLAlchemy's
                            asyncio bridge works so)

Prints the results, then the true sizes as JSON.
"""
import json
import sys

import greenlet

main = greenlet.getcurrent()
keep = []


def work(n):
    buf = bytearray(n)                   # L:buf
    main.switch()                        # L:wait
    more = bytearray(2 * n)              # L:more
    keep.append(more)
    return len(buf)                      # L:ret


def hog():
    keep.append(bytearray(5_000_000))


def siblings():
    a = greenlet.greenlet(work)
    b = greenlet.greenlet(work)
    a.switch(1_000_000)
    b.switch(3_000_000)
    hog()
    print(a.switch(), b.switch())


def sync(n):
    first = bytearray(n)                 # L:first
    keep.append(first)
    main.switch("waiting")               # L:away
    second = bytearray(n)                # L:second
    keep.append(second)
    return "synced"


def handler():
    child = greenlet.greenlet(sync)
    said = child.switch(4_000_000)       # L:spawn
    x = bytearray(1_000_000)             # L:x
    keep.append(x)
    done = child.switch()                # L:finish
    return said, done


if sys.argv[1] == "siblings":
    siblings()
else:
    print(handler())
print(json.dumps({"n": len(keep)}))
