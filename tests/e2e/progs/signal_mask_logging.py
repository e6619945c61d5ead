"""The signal mask the program's logging handlers see while memline's
records go through them, and the main thread's mask after the reports:
memline holds the main thread's signals back while it prepares a report,
never while the program's handlers run (a process a handler starts would
inherit the mask).  Prints the masks seen."""
import logging
import signal
import sys

seen = set()


class MaskHandler(logging.Handler):
    def emit(self, record):
        if record.name == "memory_profiler_logs":
            seen.add(tuple(sorted(signal.pthread_sigmask(signal.SIG_BLOCK, []))))


def work(n):
    a = bytearray(n)
    return len(a)


logging.basicConfig(level=logging.INFO, handlers=[MaskHandler()])
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
for _ in range(3):
    work(1_000_000)
print(sorted(seen), sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
