"""Selected generators that ignore GeneratorExit: one dropped while
suspended (its finalizer's close() raises RuntimeError, printed as
"Exception ignored"), one closed then dropped, both freed unfinished
(CPython clears their frames), and one still suspended at exit, closed
while the modules are torn down.  What the program does from then on --
its locals freed then and there, its atexit function, an unselected
generator's finally block and a global's __del__ at exit -- must be as
bare.  argv[1] 'kept-local': the one suspended at exit also holds a
local with a __del__."""
import atexit
import os
import sys
import weakref


class Quiet:
    pass


class Noisy:
    def __init__(self, tag):
        self.tag = tag

    def __del__(self):
        os.write(1, b"__del__ " + self.tag + b"\n")


def stubborn(tag, noisy=True):
    local = Noisy(tag + b"'s local") if noisy else Quiet()
    buf = bytearray(1_000_000)                     # L:buf
    while True:
        try:
            yield weakref.ref(local), len(buf)     # L:yield
        except GeneratorExit:
            os.write(1, b"GeneratorExit in " + tag + b"\n")   # L:ignored


def plain(tag):
    try:
        yield 1
    finally:
        os.write(1, b"finally " + tag + b"\n")


atexit.register(os.write, 1, b"atexit ran\n")
s = stubborn(b"dropped")
alive, _ = next(s)
del s
print("dropped one's local alive:", alive() is not None, flush=True)
s = stubborn(b"closed")
alive, _ = next(s)
try:
    s.close()
except RuntimeError as e:
    print("close raised:", e, flush=True)
s = None
print("closed one's local alive:", alive() is not None, flush=True)
kept = stubborn(b"kept", sys.argv[1:] == ["kept-local"])
next(kept)
live = plain(b"live")
next(live)
glob = Noisy(b"global")
print("end", flush=True)
