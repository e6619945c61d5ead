"""Python embedded in a C program (one interpreter): profiled as `python`
is.  The embedders are built here against each interpreter's headers and
shared libpython; an interpreter without them is skipped, saying why."""
import os
import subprocess

import pytest

from conftest import run
from test_lines import PREFIX, Result, near, parse_reports, per_interpreter

HERE = os.path.dirname(os.path.abspath(__file__))
EMBED = os.path.join(HERE, "embed")

_built = {}


def embedder(py, name, tmp_path_factory):
    """embed/'s C embedder `name` built for py, or a skip saying why not."""
    if (py, name) not in _built:
        ask = ("import sysconfig as s; print(s.get_paths()['include']); "
               "print(s.get_config_var('LIBDIR')); print(s.get_config_var('LDVERSION'))")
        inc, libdir, ver = subprocess.run([py, "-c", ask], capture_output=True, text=True,
                                          check=True).stdout.split("\n")[:3]
        out = str(tmp_path_factory.mktemp("embed") / name)
        cp = subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-I" + inc,
                             os.path.join(EMBED, name + ".c"), "-o", out, "-L" + libdir,
                             "-lpython" + ver, "-Wl,-rpath," + libdir, "-lpthread"],
                            capture_output=True, text=True, timeout=120)
        _built[py, name] = out if cp.returncode == 0 else \
            "cannot build an embedder against %s's libpython%s: %s" % (
                py, ver, (cp.stderr.strip().splitlines() or ["?"])[-1])
    got = _built[py, name]
    if not os.path.isabs(got):
        pytest.skip(got)
    return got


@per_interpreter
def test_an_embedders_threads_allocating_during_start_up(py, tmp_path_factory):
    # 3.8 failed to start ~1 run in 15 ("Failed to import the site module",
    # KeyError in importlib's _ModuleLock.acquire): memline's set-up ran
    # inside it and its imports re-entered the import machinery
    exe = embedder(py, "start_race", tmp_path_factory)
    plain = Result(run([exe], timeout=60))
    assert plain.returncode == 0 and plain.out == "10000000\n", plain
    for _ in range(40):
        r = Result(run([exe], preload=True, timeout=60,
                       env_extra={"MEMLINE_FUNCTIONS": "work", "MEMLINE_PRECISION": "3"}))
        assert r.returncode == 0 and r.out == plain.out, r
        reps = parse_reports(r.err, PREFIX)
        assert len(reps) == 1, r        # 3.9-3.12: set-up asked for by a C thread
        (rep,) = reps
        assert near(rep.inc(2), 10_000_000) and rep.occ(2) == 1, r.err
        assert [n for n in rep.rows if n != 2 and rep.inc(n) != 0] == [], r.err


STATIC_LIB = "/usr/lib/x86_64-linux-gnu/libpython3.11.a"


def test_a_static_embedder_that_exports_only_part_of_python(tmp_path):
    # Debian's static libpython linked in, only Py* exported: memline said
    # "Python 3.11.2 is not supported (3.8 to 3.13 are)", which it is
    if not os.path.exists(STATIC_LIB):
        pytest.skip("no %s here (Debian's libpython3.11-dev)" % STATIC_LIB)
    exe = str(tmp_path / "start_race_static")
    subprocess.run(["gcc", "-O2", "-no-pie", "-I/usr/include/python3.11",
                    os.path.join(EMBED, "start_race.c"), "-o", exe, STATIC_LIB,
                    "-Wl,--export-dynamic-symbol=Py*", "-ldl", "-lm", "-lz", "-lexpat",
                    "-lutil", "-lpthread"], check=True, timeout=120)
    plain = Result(run([exe]))
    r = Result(run([exe], preload=True, env_extra={"MEMLINE_FUNCTIONS": "work"}))
    assert r.returncode == plain.returncode == 0 and r.out == plain.out == "10000000\n", r
    version = subprocess.run(["/usr/bin/python3", "-c", "import platform; "
                              "print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert r.err == ("memline: Python %s: this program does not export _Py_NoneStruct, "
                     "which memline needs; no line reports\n" % version), r.err
