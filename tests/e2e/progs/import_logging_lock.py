"""A selected function ends inside an import (a module's top level calls
it) while another thread holds a logging lock and waits to import that
same module: under MEMLINE_OUTPUT=logging the report waited for the
logging lock, the other thread for the import -- for ever.

    python import_logging_lock.py DIR handler|config

handler: the other thread is in a handler's emit, which imports lazily;
config: it runs logging.config.dictConfig (logging's module lock held),
which imports a handler's factory.  Prints what the program's logging
showed of its own records, then "done"; memline's records go to stderr."""
import logging
import logging.config
import os
import sys
import threading

DIR, MODE = sys.argv[1], sys.argv[2]
with open(os.path.join(DIR, "sync.py"), "w") as f:
    f.write("import logging\n"
            "import threading\n"
            "main_importing = threading.Event()\n"
            "other_in = threading.Event()\n"
            "\n"
            "\n"
            "def work(n):\n"
            "    a = [0] * n\n"
            "    return len(a)\n"
            "\n"
            "\n"
            "def fmt_factory():\n"
            "    other_in.set()\n"
            "    main_importing.wait(5)\n"
            "    return logging.Formatter('%(name)s %(message)s')\n")
with open(os.path.join(DIR, "slow.py"), "w") as f:
    f.write("import logging\n"
            "import sys\n"
            "import sync\n"
            "sync.main_importing.set()\n"
            "sync.other_in.wait(5)\n"
            "sync.work(1_000_000)\n"
            "\n"
            "\n"
            "def make():\n"
            "    return logging.StreamHandler(sys.stdout)\n")
sys.path.insert(0, DIR)
import sync  # noqa: E402


class LazyHandler(logging.Handler):
    def emit(self, record):
        if record.name == "other":
            sync.main_importing.wait(5)
            sync.other_in.set()
            import slow  # noqa: F401  (the handler's lock is held)
        if record.name == "memory_profiler_logs":      # memline's: to stderr
            sys.stderr.write(record.getMessage() + "\n")
            return
        sys.stdout.write("handled %s: %s\n" % (record.name, record.getMessage()))
        sys.stdout.flush()


def other():
    if MODE == "handler":
        logging.getLogger("other").info("hello")
        return
    logging.config.dictConfig({
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"f": {"()": "sync.fmt_factory"}},
        "handlers": {"h": {"()": "slow.make", "formatter": "f"}},
        "loggers": {"app": {"handlers": ["h"], "level": "INFO"}},
    })


logging.basicConfig(level=logging.INFO, handlers=[LazyHandler()])
t = threading.Thread(target=other)
t.start()
import slow  # noqa: E402,F401
t.join()
logging.getLogger("app").info("configured")
print("done")
