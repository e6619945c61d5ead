"""A command-line tool's usual SIGPIPE: default action.  Its stdout reader
goes away after the first line; the program writes nothing more there and
exits 3.  memline's report to stdout must not kill it."""
import select
import signal
import sys
import time

signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def work(n):
    return bytearray(n)


print("first line", flush=True)
poller = select.poll()
poller.register(1, select.POLLOUT)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:      # until the reader has exited
    if any(ev & select.POLLERR for _, ev in poller.poll(100)):
        break
work(1)
sys.stderr.write("program finished normally\n")
sys.exit(3)
