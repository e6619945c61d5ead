"""A fast timer whose handler raises while armed; the program retries the
call it interrupted until it has gone through N times.  The handler
disarms itself: on 3.8-3.10 a second signal handled at the first
instruction of the except clause would raise past it (bare too, rarely)."""
import signal
import sys


class Tick(Exception):
    pass


armed = False


def handler(signum, frame):
    global armed
    if armed:
        armed = False
        raise Tick()


def work(n):
    return bytearray(n)


signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
done = 0
while done < int(sys.argv[1]):
    try:
        armed = True
        work(100)
        armed = False
        done += 1
    except Tick:
        armed = False
signal.setitimer(signal.ITIMER_REAL, 0, 0)
print("done", done)
