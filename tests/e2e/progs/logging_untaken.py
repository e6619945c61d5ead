"""MEMLINE_OUTPUT=logging where logging would not show the reports' INFO
records: left unconfigured, configured at WARNING, a handler at WARNING,
configured only after a first report, or the logger disabled by a
dictConfig after a first report.

    python logging_untaken.py MODE
"""
import logging
import logging.config
import sys

LOG = dict(stream=sys.stdout, format="LOG|%(message)s")


def work():
    a = bytearray(3_000_000)          # L:big
    return len(a)


mode = sys.argv[1]
if mode == "warning":
    logging.basicConfig(**LOG)
elif mode == "handler":
    h = logging.StreamHandler(sys.stdout)
    h.setLevel(logging.WARNING)
    logging.getLogger().addHandler(h)
    logging.getLogger().setLevel(logging.INFO)
elif mode == "later":
    print("result", work())
    logging.basicConfig(level=logging.INFO, **LOG)
elif mode == "dictconfig":
    logging.basicConfig(level=logging.INFO, **LOG)
    print("result", work())
    logging.config.dictConfig({
        "version": 1,
        "formatters": {"f": {"format": LOG["format"]}},
        "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "f",
                             "stream": "ext://sys.stdout"}},
        "root": {"level": "INFO", "handlers": ["out"]},
    })
print("result", work())
