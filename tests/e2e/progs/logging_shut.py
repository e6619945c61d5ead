"""A selected call reports after logging.shutdown() (the program's, or
logging's own at exit, before an unfinished invocation reports): the
closed FileHandler opened its file again for memline's records -- mode 'w'
truncated the program's log on 3.8 and 3.9; 3.10+ dropped the records.

    python logging_shut.py w|a LOGFILE
"""
import logging
import sys


def work():
    x = bytearray(1_000_000)
    return len(x)


logging.basicConfig(filename=sys.argv[2], filemode=sys.argv[1], level=logging.INFO,
                    format="%(message)s")
logging.getLogger("app").info("one")
logging.getLogger("app").info("two")
logging.shutdown()
print(work())
