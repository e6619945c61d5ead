"""Invocations still running when the process ends.
argv[1]: 'exit' (a normal exit while a daemon thread is inside spin() and
gen() is suspended at its first yield), 'sigterm' (a SIGTERM that the
program handles by raising SystemExit(7), inside interrupted(), while
spin() runs in a daemon thread), 'sigint' (a SIGINT, KeyboardInterrupt,
inside interrupted())."""
import signal
import sys
import threading
import time


def spin(ready):
    buf = bytearray(3_000_000)           # L:spinbuf
    ready.set()
    while buf:                           # L:spinloop
        time.sleep(0.005)


def gen():
    part = bytearray(2_000_000)          # L:genbuf
    yield len(part)                      # L:genyield
    yield 0                              # L:genlast


def interrupted(signum):
    data = bytearray(1_000_000)          # L:intbuf
    signal.raise_signal(signum)          # L:raise
    time.sleep(30)                       # L:sleep
    return len(data)


mode = sys.argv[1]
ready = threading.Event()
# a shell that starts jobs in the background may hand SIGINT down ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
if mode in ("exit", "sigterm"):
    threading.Thread(target=spin, args=(ready,), daemon=True).start()
    ready.wait()
if mode == "exit":
    g = gen()
    print("first", next(g))
elif mode == "sigterm":
    def stop(signum, frame):
        print("handler", signum)
        sys.exit(7)
    signal.signal(signal.SIGTERM, stop)
    interrupted(signal.SIGTERM)
else:
    interrupted(signal.SIGINT)
print("end")
