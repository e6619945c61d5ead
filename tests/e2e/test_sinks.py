"""Sinks and settings at their edges, on every interpreter: FIFOs, standard
streams closed at start-up, relative and very long paths, a reader that
went away, a non-blocking stdout, a full disk, symbolic links, and values
that are not what they should be.  Each notice is checked word for word;
the program's own output and exit status must be what they are without
memline."""
import os
import subprocess
import threading

import pytest

from conftest import LIB
from test_lines import (PREFIX, Result, near, notices, parse_reports, per_interpreter, prog,
                        strip_reports)

DEFAULT_FORMAT = "using %(name)s: %(message)s"


def preload_env(functions="work", env=None):
    full = {k: v for k, v in os.environ.items()
            if not k.startswith("MEMLINE_") and k != "LD_PRELOAD"}
    full.update({"LD_PRELOAD": LIB, "MEMLINE_FUNCTIONS": functions})
    full.update(env or {})
    return full


def memline(py, name, functions="work", env=None, args=(), cwd=None):
    """Runs `py prog args` under LD_PRELOAD; a hang fails the test in 60 s."""
    return Result(subprocess.run([py, prog(name), *args], env=preload_env(functions, env),
                                 cwd=cwd, capture_output=True, timeout=60))


def shell(py, name, redirect, functions="work", env=None, args=()):
    """memline() through bash, with redirect appended to the command (e.g.
    '>&-'); bash's exit status is the program's unless redirect says
    otherwise."""
    cmd = '"$@" ' + redirect
    return Result(subprocess.run(["bash", "-c", cmd, "bash", py, prog(name), *args],
                                 env=preload_env(functions, env), capture_output=True,
                                 timeout=60))


def check_work_reports(text, prefix=PREFIX, count=2):
    """sink_work.py's reports: def, the 3,000,000-byte line, the return."""
    reps = parse_reports(text, prefix)
    assert len(reps) == count, text
    for rep in reps:
        assert rep.filename == prog("sink_work.py")
        assert sorted(rep.rows) == [7, 8, 9]
        assert rep.rows[7][2:] == (1, "def work(n):")
        assert rep.rows[8][2:] == (1, "    a = bytearray(n)")
        assert near(rep.inc(8), 3_000_000, rep.precision)
    assert strip_reports(text, prefix).strip("\n") == ""
    return reps


# ---- messages ----

CONTROL = [
    ("MEMLINE_OUTPUT", "std\nout",
     "MEMLINE_OUTPUT=std\\nout is not stderr, stdout, logging or file:PATH; using stderr"),
    ("MEMLINE_PRECISION", "3\r\x01\t",
     "MEMLINE_PRECISION=3\\r\\x01\\t is not a whole number from 0 to 9; using 1"),
]


@per_interpreter
@pytest.mark.parametrize("var,value,notice", CONTROL, ids=["output", "precision"])
def test_sink_notice_escapes_control_characters(py, var, value, notice):
    r = memline(py, "sink_work.py", env={var: value})
    assert r.returncode == 0, r
    assert notices(r.err) == ["memline: " + notice]
    check_work_reports("\n".join(l for l in r.err.split("\n")
                                 if not l.startswith("memline: ")))


# ---- strict settings ----

STRICT = [
    ("MEMLINE_PRECISION", " 3",
     "MEMLINE_PRECISION= 3 is not a whole number from 0 to 9; using 1"),
    ("MEMLINE_PRECISION", "+3",
     "MEMLINE_PRECISION=+3 is not a whole number from 0 to 9; using 1"),
    ("MEMLINE_FORMAT", "[%(levelname)s]",
     "MEMLINE_FORMAT=[%(levelname)s] has no %(message)s, so its lines would not show "
     "the report; " + DEFAULT_FORMAT),
    ("MEMLINE_FORMAT", "100% %(message)s",
     "MEMLINE_FORMAT=100% %(message)s has a % that starts no field (write %% for a "
     "percent sign); " + DEFAULT_FORMAT),
    ("MEMLINE_FORMAT", "%(message)s %",
     "MEMLINE_FORMAT=%(message)s % has a % that starts no field (write %% for a "
     "percent sign); " + DEFAULT_FORMAT),
    ("MEMLINE_FORMAT", "%(lineno)d %(message)s",
     "MEMLINE_FORMAT=%(lineno)d %(message)s has %(lineno)d, which is not one of "
     "%(name)s %(message)s %(levelname)s %(process)d %(asctime)s; " + DEFAULT_FORMAT),
    ("MEMLINE_FORMAT", b"%(message)s \xff",
     "MEMLINE_FORMAT=%(message)s \\xff is not valid UTF-8; " + DEFAULT_FORMAT),
    ("MEMLINE_LOGGER", b"log\xff",
     "MEMLINE_LOGGER=log\\xff is not valid UTF-8; using memory_profiler_logs"),
]


@per_interpreter
@pytest.mark.parametrize("var,value,notice", STRICT,
                         ids=["precision-space", "precision-plus", "format-no-message",
                              "format-bare-percent", "format-trailing-percent",
                              "format-unknown-field", "format-not-utf8", "logger-not-utf8"])
def test_sink_strict_setting(py, var, value, notice):
    r = memline(py, "sink_work.py", env={var: value})
    assert r.returncode == 0, r
    assert r.out == "first 3000000\nsecond 3000000\n"
    assert notices(r.err) == ["memline: " + notice]
    # the default is used: full reports, precision 1, the default prefix
    reps = check_work_reports("\n".join(l for l in r.err.split("\n")
                                        if not l.startswith("memline: ")))
    assert all(rep.precision == 1 for rep in reps)
