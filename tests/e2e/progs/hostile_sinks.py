"""The program's own logging handlers and stream objects, met by reports.

    hostile_sinks.py MODE
    handler-calls: a handler (holding its plain lock) calls the selected f
    handler-raises: a handler raises on every record
    raises-second: one handler keeps the records, the next raises on each;
                   f runs twice, and what the first kept is printed
    stream-lock: sys.stderr is an object whose write calls f and whose
                 flush takes the lock write holds
    flush-raises: sys.stderr's flush raises
"""
import json
import logging
import sys
import threading


def f(n):
    big = bytearray(n)
    return len(json.dumps({"n": len(big)}))


class Calls(logging.Handler):
    def __init__(self):
        super().__init__()
        self.plain = threading.Lock()

    def emit(self, record):
        with self.plain:
            f(1000)
            if not record.getMessage().startswith("memory_profiler_logs"):
                print("handled:", record.getMessage())


class Raises(logging.Handler):
    def emit(self, record):
        raise RuntimeError("handler boom")


class LockedStream:
    def __init__(self, real):
        self.real = real
        self.plain = threading.Lock()

    def write(self, text):
        with self.plain:
            f(10)
            with_flush = text.endswith("\n")
        return self.real.write(text) if not with_flush else self._flush_write(text)

    def _flush_write(self, text):
        n = self.real.write(text)
        self.flush()
        return n

    def flush(self):
        with self.plain:
            self.real.flush()


class FlushRaises:
    def __init__(self, real):
        self.real = real

    def write(self, text):
        return self.real.write(text)

    def flush(self):
        raise OSError("flush boom")


class Keeps(logging.Handler):
    kept = []

    def emit(self, record):
        self.kept.append(record.getMessage())


mode = sys.argv[1]
if mode == "raises-second":
    logging.getLogger().addHandler(Keeps())
    logging.getLogger().addHandler(Raises())
    logging.getLogger().setLevel(logging.INFO)
    print("f returned", f(2_000_000), f(1_000_000))
    print(*Keeps.kept, sep="\n")
    sys.exit(0)
if mode.startswith("handler"):
    logging.getLogger().addHandler(Calls() if mode == "handler-calls" else Raises())
    logging.getLogger().setLevel(logging.INFO)
    if mode == "handler-calls":
        logging.info("program message")
elif mode == "stream-lock":
    sys.stderr = LockedStream(sys.stderr)
    print("to stderr", file=sys.stderr)
else:
    sys.stderr = FlushRaises(sys.stderr)
try:
    print("f returned", f(2_000_000))
except Exception as e:
    print("the program saw", type(e).__name__, e)
print("done")
