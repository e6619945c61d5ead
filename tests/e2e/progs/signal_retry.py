"""A fast timer whose handler raises while armed; the program retries the
call it interrupted until it has gone through N times."""
import signal
import sys


class Tick(Exception):
    pass


armed = False


def handler(signum, frame):
    if armed:
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
