"""A small deterministic function for sinks and formats."""
import os
import sys

if os.environ.get("WITH_LOGGING"):
    import logging

    class Show(logging.Handler):
        def emit(self, record):
            print("LOG|%s|%s|%s" % (record.name, record.levelname, record.getMessage()))

    for name in ("memory_profiler_logs", "custom.logger"):
        logging.getLogger(name).addHandler(Show())
        logging.getLogger(name).setLevel(logging.INFO)


def work(n):
    total = 0
    a = bytearray(3_000_000)

    for i in range(n):
        total += i
    del a
    return total


print("pid", os.getpid())
print("before")
print("result", work(4))
print("after")
sys.stdout.flush()
