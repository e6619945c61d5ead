"""A report held because it ended inside an import (a module's top level
called the selected function), then a fork: the child, ending normally,
logged its parent's held report a second time.

    python import_fork_held.py DIR

Prints 'child' (from the child) and 'parent 0' (the child's status)."""
import logging
import os
import sys

with open(os.path.join(sys.argv[1], "held_mod.py"), "w") as f:
    f.write("def work(n):\n"
            "    a = bytearray(n)\n"
            "    return len(a)\n"
            "\n"
            "\n"
            "work(1_000_000)\n")
sys.path.insert(0, sys.argv[1])
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
import held_mod  # noqa: E402,F401

sys.stdout.flush()
pid = os.fork()
if pid == 0:
    print("child")
    sys.exit(0)
_, status = os.waitpid(pid, 0)
print("parent", status)
