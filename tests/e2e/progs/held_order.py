"""Three reports held back (they end inside the program's logging handler,
which calls the selected functions) and sent at exit: in the order they
ended (the first came out last)."""
import logging
import sys


def first():
    return len(bytearray(1000))


def second():
    return len(bytearray(2000))


def third():
    return len(bytearray(3000))


class Calling(logging.Handler):
    def emit(self, record):
        if record.name == "app":
            first()
            second()
            third()
        else:
            sys.stderr.write(record.getMessage() + "\n")


logging.basicConfig(level=logging.INFO, handlers=[Calling()])
logging.getLogger("app").info("go")
