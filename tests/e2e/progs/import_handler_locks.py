"""A selected function called at a module's top level (its report ends
inside an import) with handlers that memline must not lock itself:

    python import_handler_locks.py DIR lock|noargs|worker

lock: a handler whose lock is a plain threading.Lock (taken twice by one
thread, it hangs); noargs: one whose lock's acquire() takes no arguments;
worker: a handler on memline's logger that waits for a worker thread,
which logs through the root handler.  Prints the records the root handler
writes, then 'done'."""
import logging
import os
import queue
import sys
import threading

DIR, MODE = sys.argv[1], sys.argv[2]
with open(os.path.join(DIR, "top_mod.py"), "w") as f:
    f.write("def work(n):\n    a = [0] * n\n    return len(a)\n\n\nwork(100_000)\n")
sys.path.insert(0, DIR)


class NoArgsLock:
    def acquire(self):
        return True

    def release(self):
        pass

    def __enter__(self):
        return True

    def __exit__(self, *exc):
        return False


class Plain(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record) + "\n")
        sys.stdout.flush()

    def createLock(self):
        if MODE == "lock":
            self.lock = threading.Lock()
        elif MODE == "noargs":
            self.lock = NoArgsLock()
        else:
            super().createLock()


class Forward(logging.Handler):
    """Hands each record to a worker thread and waits for it."""
    def __init__(self):
        super().__init__()
        self.q = queue.Queue()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            record, done = self.q.get()
            logging.getLogger("worker").info("forwarded a line of %d", len(record.getMessage()))
            done.set()

    def emit(self, record):
        done = threading.Event()
        self.q.put((record, done))
        done.wait()


root = logging.getLogger()
root.setLevel(logging.INFO)
root.addHandler(Plain())
if MODE == "worker":
    mem = logging.getLogger("memory_profiler_logs")
    mem.addHandler(Forward())
    mem.propagate = False
logging.info("program record")
import top_mod  # noqa: E402,F401
print("done")
