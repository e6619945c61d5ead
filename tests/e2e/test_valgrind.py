"""The interposer's own code under memcheck (a few seconds in all).

valgrind runs the C targets with LD_PRELOAD=libmemline.so and
MEMLINE_SUMMARY=all, so every hook counts.  By default memcheck also
replaces malloc & co. in any object without a soname -- libmemline.so
included -- and our hooks would never run; --soname-synonyms=
somalloc=nouserintercepts limits its replacement to libc's, so our hooks
run and their originals are memcheck's.  The exact-count checks below
prove that they did.

Every process (fork children too: --trace-children only concerns exec)
must report no error: with -q, memcheck writes nothing unless it finds
one, so stderr must hold nothing but memline's summary lines.
"""
import os
import re
import shutil

import pytest

from conftest import SUMMARY_RE, run, summaries, target

VALGRIND = shutil.which("valgrind")
pytestmark = pytest.mark.skipif(VALGRIND is None,
                                reason="valgrind is not installed (apt-get install valgrind)")

# tests/c/apis.c asks for SIZE_MAX bytes on purpose; memcheck calls these
# arguments "fishy".  Only those calls, from apis's main, are suppressed.
APIS_SUPPRESSIONS = """
{
   apis-malloc-huge
   Memcheck:FishyValue
   malloc(size)
   fun:malloc
   fun:malloc
   fun:main
}
{
   apis-posix_memalign-huge
   Memcheck:FishyValue
   memalign(size)
   fun:memalign
   fun:posix_memalign
   fun:posix_memalign
   fun:main
}
{
   apis-memalign-huge
   Memcheck:FishyValue
   memalign(size)
   fun:memalign
   fun:memalign
   fun:main
}
{
   apis-valloc-huge
   Memcheck:FishyValue
   memalign(size)
   fun:memalign
   fun:valloc
   fun:valloc
   fun:main
}
"""


def memcheck(cmd, tmp_path):
    supp = tmp_path / "apis.supp"
    supp.write_text(APIS_SUPPRESSIONS)
    r = run([VALGRIND, "-q", "--error-exitcode=99", "--trace-children=no",
             "--soname-synonyms=somalloc=nouserintercepts", f"--suppressions={supp}", *cmd],
            preload=True, env_extra={"MEMLINE_SUMMARY": "all"}, timeout=120)
    err = r.stderr.decode(errors="replace")
    others = [l for l in err.splitlines() if not SUMMARY_RE.fullmatch(l)]
    assert not others, "memcheck reported:\n" + err
    assert r.returncode != 99, err
    return r, summaries(err)


def test_stress_under_memcheck(lib, tmp_path):
    r, sums = memcheck([target("stress"), "2", "20000"], tmp_path)
    assert r.returncode == 0
    roles = {}
    for line in r.stdout.decode().splitlines():
        role, pid, allocs, frees = line.split()
        roles[role] = (int(pid), int(allocs), int(frees))
    assert set(roles) == {"parent", "parent-probe", "child", "child-probe"}
    assert len(sums) == 4
    for who in ("parent", "child"):
        pid, allocs, frees = roles[who]
        base, got = sums[roles[who + "-probe"][0]], sums[pid]
        assert got["heap"] == base["heap"] and got["anon"] == base["anon"], who
        assert (got["allocs"] - base["allocs"], got["frees"] - base["frees"]) == (allocs, frees)
        assert allocs > 10_000


def test_apis_under_memcheck(lib, tmp_path):
    # valgrind aborts a program that calls pvalloc (memline's is libc's)
    r, sums = memcheck([target("apis"), "no-pvalloc"], tmp_path)
    assert r.returncode == 0
    out = r.stdout.decode()
    (held,) = re.findall(r"^held (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    pid, heap, anon, allocs, frees = (int(x) for x in held)
    assert len(sums) == 2
    got = sums.pop(pid)
    (base,) = sums.values()
    assert got["heap"] - base["heap"] == heap > 0
    assert got["anon"] - base["anon"] == anon > 0
    assert got["allocs"] - base["allocs"] == allocs
    assert got["frees"] - base["frees"] == frees


def test_threads_under_memcheck(lib, tmp_path):
    bare = run([target("mt"), "4", "20000"])
    r, sums = memcheck([target("mt"), "4", "20000"], tmp_path)
    assert bare.returncode == r.returncode == 3
    assert r.stdout == bare.stdout
    (s,) = sums.values()
    assert s["allocs"] > 40_000 and s["peak"] > 0


def test_memcheck_that_takes_memlines_malloc_is_named(lib):
    # without --soname-synonyms, memcheck takes the malloc of every library
    # without a soname, memline's too: memline saw nothing and said nothing
    # (no report, no "matched no function", a summary of zeros).  Now one
    # line says so and memline stands down; the program runs as it would.
    prog = os.path.join(os.path.dirname(__file__), "progs", "one_alloc.py")
    r = run([VALGRIND, "-q", "/usr/bin/python3", prog], preload=True,
            env_extra={"MEMLINE_FUNCTIONS": "work", "MEMLINE_SUMMARY": "1"}, timeout=300)
    assert r.returncode == 0 and r.stdout == b"10000000\n", r
    assert r.stderr.decode().splitlines() == [
        "memline: valgrind took memline's malloc (run valgrind with "
        "--soname-synonyms=somalloc=nouserintercepts); memline is disabled in this process"], r
    # nothing asked: nothing said
    r = run([VALGRIND, "-q", "/usr/bin/python3", prog], preload=True, timeout=300)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"10000000\n", b""), r
