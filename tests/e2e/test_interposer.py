"""The interposer alone: exact process-wide accounting, libc's results and
errno untouched, fork and threads (issue 3)."""
import os
import re
import shutil

import pytest

from conftest import run, summaries, target
from test_lines import PREFIX, markers, near, parse_reports, per_interpreter, prog


def checked_processes(stdout):
    """role -> (pid, allocs, frees) from the targets' own lines."""
    out = {}
    for line in stdout.splitlines():
        role, pid, allocs, frees = line.split()
        out[role] = (int(pid), int(allocs), int(frees))
    return out


def test_stress_threads_and_fork_return_to_baseline(lib):
    # 8 threads x 1,000,000 operations, a fork() halfway in thread 0 while
    # the other seven run; the child does the same work.
    r = run([target("stress"), "8", "1000000"], preload=True,
            env_extra={"MEMLINE_SUMMARY": "all"}, timeout=600)
    assert r.returncode == 0, r.stderr
    roles = checked_processes(r.stdout.decode())
    assert set(roles) == {"parent", "parent-probe", "child", "child-probe"}
    sums = summaries(r.stderr.decode())
    for who in ("parent", "child"):
        pid, allocs, frees = roles[who]
        base = sums[roles[who + "-probe"][0]]
        got = sums[pid]
        # live bytes return exactly to the baseline, heap and mappings alike
        assert got["heap"] == base["heap"], who
        assert got["anon"] == base["anon"], who
        # every allocation and release call the workers made, no more
        assert got["allocs"] - base["allocs"] == allocs, who
        assert got["frees"] - base["frees"] == frees, who
        assert allocs > 4_000_000


def test_each_api_counts_exact_bytes(lib):
    r = run([target("apis")], preload=True, env_extra={"MEMLINE_SUMMARY": "all"})
    assert r.returncode == 0, r.stderr
    held = [l for l in r.stdout.decode().splitlines() if l.startswith("held ")]
    _, pid, heap, anon, allocs, frees = held[0].split()
    sums = summaries(r.stderr.decode())
    assert len(sums) == 2
    got = sums.pop(int(pid))
    (base,) = sums.values()
    assert got["heap"] - base["heap"] == int(heap)
    assert got["anon"] - base["anon"] == int(anon)
    assert got["allocs"] - base["allocs"] == int(allocs)
    assert got["frees"] - base["frees"] == int(frees)


def test_results_and_errno_are_libcs(lib):
    bare = run([target("apis")])
    pre = run([target("apis")], preload=True, env_extra={"MEMLINE_SUMMARY": "all"})
    strip = lambda out: re.sub(rb"^held \d+ ", b"held PID ", out, flags=re.M)
    assert bare.returncode == pre.returncode == 0
    assert strip(bare.stdout) == strip(pre.stdout)
    assert b"FAIL errno=Cannot allocate memory" in pre.stdout


def test_silent_without_summary(lib):
    r = run([target("apis")], preload=True)
    assert r.returncode == 0
    assert r.stderr == b""


def test_bad_summary_value_is_named_once(lib):
    r = run(["/usr/bin/python3", "-c", "print('ok')"], preload=True,
            env_extra={"MEMLINE_SUMMARY": "yes"})
    assert r.returncode == 0
    assert r.stdout == b"ok\n"
    assert r.stderr.decode().splitlines() == [
        "memline: MEMLINE_SUMMARY=yes is not one of 0, 1, all; no summary will be printed"]


def test_unknown_variable_is_named(lib):
    r = run(["/usr/bin/python3", "-c", "print('ok')"], preload=True,
            env_extra={"MEMLINE_SUMARY": "1"})
    assert r.stdout == b"ok\n"
    assert r.stderr.decode().splitlines() == ["memline: unknown variable MEMLINE_SUMARY ignored"]


def test_python_summary_counts_a_known_buffer(lib):
    # the buffer is leaked on purpose (one reference too many), so it is
    # still live at exit; both runs import the same modules
    leak = "import ctypes\nctypes.pythonapi.Py_IncRef(ctypes.py_object({}))\n"
    code = leak.format("bytearray(50_000_000)")
    small = run(["/usr/bin/python3", "-c", leak.format("bytearray(0)")], preload=True,
                env_extra={"MEMLINE_SUMMARY": "1"})
    big = run(["/usr/bin/python3", "-c", code], preload=True,
              env_extra={"MEMLINE_SUMMARY": "1"})
    (s,) = summaries(small.stderr.decode()).values()
    (b,) = summaries(big.stderr.decode()).values()
    # the buffer is still live at exit: heap grows by its size (+ malloc's rounding)
    assert 50_000_000 <= b["heap"] - s["heap"] <= 50_000_000 + 64 * 1024
    assert b["peak"] >= 50_000_000


def test_libc_preloaded_before_memline_is_one_line(lib):
    # ld.so then finds libc's functions before memline's, and dlsym(RTLD_NEXT)
    # finds none after it: memline stands aside, saying so once per process
    # (it said one line per function, 13 of them).
    libc = "/lib/x86_64-linux-gnu/libc.so.6"
    bare = run([target("apis")])
    r = run([target("apis")], env_extra={"LD_PRELOAD": libc + ":" + lib,
                                         "MEMLINE_SUMMARY": "all"})
    assert r.returncode == bare.returncode == 0
    # libc's results and errno; the bytes held vary with the environment
    strip = lambda out: re.sub(rb"^held .*$", b"held", out, flags=re.M)
    assert strip(r.stdout) == strip(bare.stdout)
    assert r.stderr.decode().splitlines() == [
        "memline: cannot find libc's malloc, calloc, realloc, free, posix_memalign, "
        "aligned_alloc, memalign, valloc, malloc_usable_size, mmap, munmap, mremap, "
        "dup2 after memline (is libc listed before it in LD_PRELOAD?); memline is "
        "disabled in this process"]


MALLOC_DEBUG = "/lib/x86_64-linux-gnu/libc_malloc_debug.so.0"
OTHER_MALLOC = ("memline: malloc comes from %s, loaded before memline (listed first in "
                "LD_PRELOAD?): memline would see none of the program's allocations; it is "
                "disabled in this process" % MALLOC_DEBUG)


@per_interpreter
def test_another_malloc_preloaded_before_memline_is_one_line(py, lib):
    # glibc's malloc debugger (as jemalloc or tcmalloc would) defines malloc
    # before memline: every call went to it, and memline reported zeros (or,
    # on 3.12+, nothing) without a word.  Now it stands down, saying so.
    if not os.path.exists(MALLOC_DEBUG):
        pytest.skip("no %s here" % MALLOC_DEBUG)
    args = [py, prog("one_alloc.py")]
    bare = run(args, env_extra={"LD_PRELOAD": MALLOC_DEBUG})
    r = run(args, env_extra={"LD_PRELOAD": MALLOC_DEBUG + ":" + lib,
                             "MEMLINE_FUNCTIONS": "work"})
    assert r.returncode == bare.returncode == 0 and r.stdout == bare.stdout == b"10000000\n"
    assert r.stderr.decode().splitlines() == [OTHER_MALLOC], r.stderr
    # asked for nothing: nothing said
    r = run(args, env_extra={"LD_PRELOAD": MALLOC_DEBUG + ":" + lib})
    assert r.returncode == 0 and r.stdout == bare.stdout and r.stderr == b""
    # memline first: it counts, the debugger under it
    r = run(args, env_extra={"LD_PRELOAD": lib + ":" + MALLOC_DEBUG,
                             "MEMLINE_FUNCTIONS": "work", "MEMLINE_PRECISION": "3"})
    assert r.returncode == 0 and r.stdout == bare.stdout
    (rep,) = parse_reports(r.stderr.decode(), PREFIX)
    assert near(rep.inc(markers("one_alloc.py")["alloc"]), 10_000_000), r.stderr


LIBSTDCXX = "/lib/x86_64-linux-gnu/libstdc++.so.6"


@per_interpreter
def test_allocator_first_that_maps_from_its_first_malloc(py, lib):
    # scalene's allocator, listed first, maps its heap from its first malloc,
    # which libstdc++'s constructor makes before memline's has run: memline's
    # mmap hook started memline's start-up there, whose dlsym allocates --
    # back into the half-made allocator (scalene's recursed until the stack
    # overflowed, in every process).  The mapping hooks now leave start-up
    # to the others: the stand-down line, and the program as bare.
    if not os.path.exists(LIBSTDCXX):
        pytest.skip("no %s here" % LIBSTDCXX)
    touchy = target("touchy_malloc.so")
    args = [py, prog("one_alloc.py")]
    bare = run(args, env_extra={"LD_PRELOAD": touchy + ":" + LIBSTDCXX})
    assert bare.returncode == 0 and bare.stdout == b"10000000\n", bare
    r = run(args, env_extra={"LD_PRELOAD": ":".join([touchy, lib, LIBSTDCXX]),
                             "MEMLINE_FUNCTIONS": "work"})
    assert r.returncode == 0 and r.stdout == bare.stdout, r
    assert r.stderr.decode().splitlines() == [OTHER_MALLOC.replace(MALLOC_DEBUG, touchy)]
    # a program that is not Python: as bare, and silent
    r = run(["/bin/true"], env_extra={"LD_PRELOAD": ":".join([touchy, lib, LIBSTDCXX])})
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b""), r


@per_interpreter
def test_cxx_library_listed_after_memline(py, lib):
    # libstdc++'s constructor mallocs before memline's has run; memline's
    # start-up then checks which library defines malloc with dlopen, which
    # ran memline's constructor inside the start-up, where it did nothing:
    # no Python set up, no reports, no notices.  Now the start-up does the
    # constructor's work when it ends.
    if not os.path.exists(LIBSTDCXX):
        pytest.skip("no %s here" % LIBSTDCXX)
    r = run([py, prog("one_alloc.py")],
            env_extra={"LD_PRELOAD": lib + ":" + LIBSTDCXX, "MEMLINE_FUNCTIONS": "work",
                       "MEMLINE_PRECISION": "3", "MEMLINE_BOGUS": "1"})
    assert r.returncode == 0 and r.stdout == b"10000000\n", r
    err = r.stderr.decode()
    assert err.splitlines()[0] == "memline: unknown variable MEMLINE_BOGUS ignored", err
    (rep,) = parse_reports(err, PREFIX)
    assert near(rep.inc(markers("one_alloc.py")["alloc"]), 10_000_000), err


ALLOCATORS = ["libjemalloc.so.2", "libmimalloc.so.2", "libtcmalloc_minimal.so.4"]


def lib_or_skip(name):
    path = "/usr/lib/x86_64-linux-gnu/" + name
    if not os.path.exists(path):
        pytest.skip("no %s here (scripts/setup installs it)" % path)
    return path


@per_interpreter
@pytest.mark.parametrize("allocator", ALLOCATORS)
def test_allocator_after_memline_is_counted_once(py, lib, allocator):
    # memline counts each block by its usable size; jemalloc and mimalloc
    # map their heaps through mmap, which memline counted too: 28 MiB for a
    # 12 MiB block, reservations in Mem usage.  The mappings an allocator
    # after memline makes are its heap, counted block by block.
    other = lib_or_skip(allocator)
    env = {"MEMLINE_FUNCTIONS": "work", "MEMLINE_PRECISION": "6"}
    r = run([py, prog("alloc_12m.py")], env_extra=dict(env, LD_PRELOAD=lib + ":" + other))
    assert r.returncode == 0 and r.stdout == b"1\n", r
    (rep,) = parse_reports(r.stderr.decode(), PREFIX)
    m = markers("alloc_12m.py")
    assert (rep.inc(m["alloc"]), rep.inc(m["free"])) == (12.0, -12.0), rep
    # usage at entry as with glibc's malloc, give or take its own arenas
    plain = run([py, prog("alloc_12m.py")], env_extra=dict(env, LD_PRELOAD=lib))
    (base,) = parse_reports(plain.stderr.decode(), PREFIX)
    assert abs(rep.rows[rep.first][0] - base.rows[base.first][0]) < 4, (rep, base)


@per_interpreter
def test_tcmalloc_after_memline_and_libstdcxx(py, lib):
    # tcmalloc's malloc_usable_size makes its MallocExtension with operator
    # new the first time; libstdc++'s, listed before it, mallocs: back in
    # memline, which asked the size again -- until the stack overflowed,
    # in every process (gcc's cc1 too).
    if not os.path.exists(LIBSTDCXX):
        pytest.skip("no %s here" % LIBSTDCXX)
    tc = lib_or_skip("libtcmalloc_minimal.so.4")
    r = run([py, prog("alloc_12m.py")], env_extra={
        "LD_PRELOAD": ":".join([lib, LIBSTDCXX, tc]), "MEMLINE_FUNCTIONS": "work",
        "MEMLINE_PRECISION": "6"})
    assert r.returncode == 0 and r.stdout == b"1\n", r
    (rep,) = parse_reports(r.stderr.decode(), PREFIX)
    assert rep.inc(markers("alloc_12m.py")["alloc"]) == 12.0, rep
    r = run(["/bin/true"], env_extra={"LD_PRELOAD": ":".join([lib, LIBSTDCXX, tc])})
    assert (r.returncode, r.stderr) == (0, b""), r


@per_interpreter
def test_heaptrack_with_memline_preloaded(py, lib, tmp_path):
    # heaptrack puts its library first, whose start-up holds its own lock
    # while it allocates; memline's start-up then asked dlopen -- heaptrack's,
    # which waited for that lock: every process hung.  memline asks libc's.
    if not shutil.which("heaptrack"):
        pytest.skip("no heaptrack here (scripts/setup installs it)")
    cmd = ["heaptrack", "-o", str(tmp_path / "ht"), py, prog("one_alloc.py")]
    bare = run(cmd, timeout=120)
    assert bare.returncode == 0, bare
    r = run(cmd, env_extra={"LD_PRELOAD": lib, "MEMLINE_FUNCTIONS": "work"}, timeout=120)
    assert r.returncode == 0 and b"10000000\n" in r.stdout, r
    assert b"memline: malloc comes from " in r.stderr and b"libheaptrack_preload.so" in r.stderr, r


def test_mmap64_is_mmap(lib):
    # one function under both names, as in glibc: Memray, which patches PLT
    # slots, compares them and printed a warning about memline's two
    code = ("import ctypes; c = ctypes.CDLL(None); a = lambda f: ctypes.cast(f, ctypes.c_void_p)"
            ".value; print(a(c.mmap) == a(c.mmap64), a(c.mmap) == a(c.malloc))")
    r = run(["/usr/bin/python3", "-c", code], env_extra={"LD_PRELOAD": lib})
    assert (r.returncode, r.stdout, r.stderr) == (0, b"True False\n", b""), r


def test_another_malloc_first_in_a_program_that_is_not_python(lib):
    # the summary was asked for: the notice, then the program as bare
    bare = run([target("apis")], env_extra={"LD_PRELOAD": MALLOC_DEBUG})
    r = run([target("apis")], env_extra={"LD_PRELOAD": MALLOC_DEBUG + ":" + lib,
                                         "MEMLINE_SUMMARY": "all"})
    assert r.returncode == bare.returncode == 0
    strip = lambda out: re.sub(rb"^held .*$", b"held", out, flags=re.M)
    assert strip(r.stdout) == strip(bare.stdout)
    assert r.stderr.decode().splitlines() == [OTHER_MALLOC]
    # not asked: silent
    r = run([target("apis")], env_extra={"LD_PRELOAD": MALLOC_DEBUG + ":" + lib})
    assert r.returncode == 0 and r.stderr == b""
