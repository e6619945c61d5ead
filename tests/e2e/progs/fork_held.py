"""A report held back (it ended inside the program's logging handler,
which called the selected function), then a fork: the child, ending
normally, logged its parent's held report a second time.

    python import_fork_held.py

Prints 'child' (from the child) and 'parent 0' (the child's status)."""
import logging
import os
import sys


def work(n):
    a = bytearray(n)
    return len(a)


class Calling(logging.Handler):
    def emit(self, record):
        if record.name == "app":
            work(1_000_000)
        else:
            sys.stderr.write(record.getMessage() + "\n")


logging.basicConfig(level=logging.INFO, handlers=[Calling()])
logging.getLogger("app").info("hello")
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    print("child")
    sys.exit(0)
_, status = os.waitpid(pid, 0)
print("parent", status)
