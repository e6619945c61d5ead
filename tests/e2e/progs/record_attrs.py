"""What the logging sink's records say of where they come from."""
import logging


class Show(logging.Handler):
    def emit(self, record):
        if record.getMessage().endswith("def f(n):"):
            print(record.pathname, record.module, record.levelname, record.name)


logging.getLogger().addHandler(Show())
logging.getLogger().setLevel(logging.INFO)


def f(n):
    return len(bytearray(n))


print(f(10))
