"""Bootstrap and lifecycle: allocations before main, in a library loaded at
run time, at thread exit, across fork with busy threads, and across exec.

Every C target here forks a probe at a single-threaded moment, which goes
on like the process but without the known work, so its summary line is
the baseline: the process's own summary must exceed it by exactly the
bytes and calls the target reports on stdout."""
import os
import subprocess

import pytest

from conftest import LIB, run, summaries, target

ALL = {"MEMLINE_SUMMARY": "all"}


def over_baseline(sums, pid, probe):
    """The process's summary minus its probe's: (heap, anon, allocs, frees)."""
    assert pid in sums, f"no summary line for pid {pid}; summaries: {sums}"
    assert probe in sums, f"no summary line for the probe {probe}; summaries: {sums}"
    got, base = sums[pid], sums[probe]
    return tuple(got[k] - base[k] for k in ("heap", "anon", "allocs", "frees"))


def held_lines(stdout, role):
    """[(pid, rest...)] from lines 'ROLE PID N N ...' of a target."""
    out = []
    for line in stdout.decode().splitlines():
        f = line.split()
        if f and f[0] == role:
            out.append(tuple(int(x) for x in f[1:]))
    return out


def run_early(mode):
    r = run([target("early"), mode], preload=True, env_extra=ALL, timeout=60)
    assert r.returncode == 0, r
    ((probe,),) = held_lines(r.stdout, "probe")
    ((pid, heap, anon, allocs, frees),) = held_lines(r.stdout, "held")
    return summaries(r.stderr.decode()), pid, probe, (heap, anon, allocs, frees)


def test_constructor_allocations_are_counted(lib):
    # the program's constructor allocates, frees, maps and unmaps; main
    # frees a block the constructor made
    sums, pid, probe, want = run_early("ctor")
    assert set(sums) == {pid, probe}
    assert over_baseline(sums, pid, probe) == want
    assert want[0] > 5000 and want[1] == 2 * 4096


def test_allocations_before_every_constructor_are_counted(lib):
    # a .preinit_array function runs before any library's constructor --
    # libc's too, so environ is still NULL there -- and makes the very
    # first hooked calls: memline must still honour MEMLINE_SUMMARY=all
    sums, pid, probe, want = run_early("preinit")
    assert over_baseline(sums, pid, probe) == want
    assert want[1] == 3 * 4096


DSO_SOURCE = r"""
/* Built by tests/e2e/test_lifecycle.py; loaded by build/tests/dlhost. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

struct dso_counts {
	long long heap, allocs, frees;
};

static struct dso_counts own;		/* the constructor's work, reported later */
static struct dso_counts *sink;		/* where the destructor reports */
static void *from_ctor[2];

static int working(void)
{
	const char *w = getenv("DSO_WORK");

	return w && w[0] == '1';
}

static void *keep(struct dso_counts *c, void *p)
{
	if (!p)
		abort();
	c->heap += (long long)malloc_usable_size(p);
	c->allocs++;
	return p;
}

static void release(struct dso_counts *c, void *p)
{
	c->heap -= (long long)malloc_usable_size(p);
	c->frees++;
	free(p);
}

__attribute__((constructor)) static void dso_init(void)
{
	char *p;

	if (!working())
		return;
	from_ctor[0] = keep(&own, malloc(4000));
	from_ctor[1] = keep(&own, calloc(7, 300));
	p = keep(&own, malloc(100));
	strcpy(p, "constructor");
	release(&own, p);
}

__attribute__((visibility("default"))) void dso_work(struct dso_counts *c)
{
	void *p;

	sink = c;
	c->heap += own.heap;
	c->allocs += own.allocs;
	c->frees += own.frees;
	memset(&own, 0, sizeof(own));
	if (!working())
		return;
	keep(c, aligned_alloc(128, 1280));
	p = malloc(50);
	if (!p)
		abort();
	p = realloc(p, 70000);		/* a release and an allocation */
	keep(c, p);
	c->allocs++;
	c->frees++;
	release(c, from_ctor[0]);
}

__attribute__((destructor)) static void dso_fini(void)
{
	if (!working() || !sink)
		return;
	release(sink, from_ctor[1]);
	keep(sink, malloc(1234));	/* made while dlclose runs, never freed */
}
"""


@pytest.fixture(scope="module")
def dso(tmp_path_factory):
    d = tmp_path_factory.mktemp("dso")
    src = d / "dsowork.c"
    src.write_text(DSO_SOURCE)
    so = d / "libdsowork.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
                    "-o", str(so), str(src)], check=True, timeout=60)
    return str(so)


def test_dlopened_library_constructor_function_and_destructor(lib, dso):
    # three dlopen / dso_work() / dlclose cycles; the probe does the same
    # cycles with the library's work switched off
    r = run([target("dlhost"), dso, "3"], preload=True,
            env_extra=dict(ALL, DSO_WORK="1"), timeout=60)
    assert r.returncode == 0, r
    ((probe, *nothing),) = held_lines(r.stdout, "probe")
    assert nothing == [0, 0, 0]
    ((pid, heap, allocs, frees),) = held_lines(r.stdout, "host")
    sums = summaries(r.stderr.decode())
    assert set(sums) == {pid, probe}
    assert over_baseline(sums, pid, probe) == (heap, 0, allocs, frees)
    # per cycle: constructor 3 allocations 1 free, function 3 and 2, destructor 1 and 1
    assert (allocs, frees) == (3 * 7, 3 * 4)


def test_allocations_at_thread_exit(lib):
    # 22 batches of 50 threads (1,100: past memline's 1,024 per-thread
    # slots) allocate, free blocks the main thread made, and end -- half
    # through pthread_exit -- running key destructors that free and allocate
    r = run([target("thread_exit"), "22", "50"], preload=True, env_extra=ALL, timeout=60)
    assert r.returncode == 0, r
    ((probe,),) = held_lines(r.stdout, "probe")
    ((pid, heap, anon, allocs, frees),) = held_lines(r.stdout, "held")
    sums = summaries(r.stderr.decode())
    assert set(sums) == {pid, probe}
    assert over_baseline(sums, pid, probe) == (heap, anon, allocs, frees)
    assert allocs == 1100 * 7 and frees == 1100 * 5


def test_fork_while_other_threads_allocate(lib):
    # 4 threads busy in malloc/free/realloc/mmap/munmap/mremap while the
    # main thread forks 40 children; the parent kills any child that has
    # not finished in 20 s and says so
    r = run([target("fork_busy"), "4", "40"], preload=True, env_extra=ALL, timeout=120)
    out = r.stdout.decode()
    assert "hung" not in out, out
    assert r.returncode == 0, r
    children = held_lines(r.stdout, "child")
    assert len(children) == 40
    sums = summaries(r.stderr.decode())
    # the parent, 40 children and their 40 probes
    assert len(sums) == 81
    for pid, probe, heap, anon, allocs, frees in children:
        assert over_baseline(sums, pid, probe) == (heap, anon, allocs, frees), pid
        assert (anon, allocs, frees) == (9 * 4096, 9, 6)


def run_exec(mode):
    """Like conftest.run with the library and MEMLINE_SUMMARY=all, but
    also returns the pid, which an exec'd image keeps."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MEMLINE_") and k != "LD_PRELOAD"}
    env["LD_PRELOAD"] = LIB
    env.update(ALL)
    p = subprocess.Popen([target("exec"), mode], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    try:
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    return p.pid, p.returncode, out, err.decode()


def test_exec_from_a_thread_starts_a_fresh_count(lib):
    # 8 MiB held and two threads allocating; one of them execs the program
    # again: the new image counts from zero and prints the only summary
    # under this pid (an image that execs runs no destructors)
    pid, code, out, err = run_exec("self")
    assert code == 0, err
    ((ipid, probe, heap, anon, allocs, frees),) = held_lines(out, "image")
    assert ipid == pid
    assert out.decode().endswith("finished\n")
    sums = summaries(err)
    assert set(sums) == {pid, probe}
    assert over_baseline(sums, pid, probe) == (heap, anon, allocs, frees)
    assert sums[pid]["heap"] < 1 << 20


def test_posix_spawn_and_fork_exec(lib):
    # both children are new images with their own exact summaries, and the
    # spawning parent's count is untouched by them
    pid, code, out, err = run_exec("spawn")
    assert code == 0, err
    sums = summaries(err)
    images = held_lines(out, "image")
    (spawner,) = held_lines(out, "spawner")
    assert len(images) == 2
    assert spawner[0] == pid
    assert len(sums) == 6
    for ipid, probe, *want in images + [spawner]:
        assert over_baseline(sums, ipid, probe) == tuple(want), ipid


def test_exec_with_an_empty_environment_leaves_the_library_behind(lib):
    pid, code, out, err = run_exec("noenv")
    assert code == 0, err
    assert held_lines(out, "image")[0][0] == pid
    assert err == ""


def test_exec_echo_prints_echos_own_summary(lib):
    # 8 MiB held, then exec /bin/echo: the summary under this pid is echo's
    # own, the same as when echo is run directly
    pid, code, out, err = run_exec("echo")
    assert code == 0, err
    assert out == b"hello from echo\n"
    direct = run(["/bin/echo", "hello from echo"], preload=True, env_extra=ALL)
    assert direct.stdout == b"hello from echo\n"
    direct_sums = summaries(direct.stderr.decode())
    assert len(direct_sums) == 1, ("/bin/echo run directly printed no summary: "
                                   f"stderr {direct.stderr!r}")
    (want,) = direct_sums.values()
    sums = summaries(err)
    assert list(sums) == [pid], err
    assert sums[pid] == want
    assert sums[pid]["heap"] < 1 << 20
