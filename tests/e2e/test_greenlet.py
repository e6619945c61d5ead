"""greenlet switches a thread between stacks of frames: each selected
invocation keeps its own report (the same function in two greenlets is two
invocations, not a recursion), a greenlet that waits (switched away) does
not count what others allocate meanwhile (MEMLINE_ASYNC=thread: it does,
on the line that switched), and a child greenlet's bytes count on the line
that switched to it.  greenlet from PyPI in a venv per interpreter under
build/greenlet-venv/, made on first use; an interpreter greenlet cannot be
installed for is skipped with pip's reason."""
import pytest

from conftest import venv_with
from test_lines import P3, PYS, bare, check_rows, markers, memline, near, parse_reports, pyid


def greenlet_python(py):
    """The python of a venv of `py` that has greenlet, or pytest.skip."""
    return venv_with(py, "greenlet", pyid(py))


per_interpreter = pytest.mark.parametrize("py", PYS, ids=[pyid(p) for p in PYS])
NAMES = markers("greenlets.py")


def run_mode(py, mode, functions, env=None):
    vpy = greenlet_python(py)
    plain = bare(vpy, "greenlets.py", [mode])
    r = memline(vpy, "greenlets.py", functions, [mode], env=dict(P3, **(env or {})))
    assert r.returncode == plain.returncode == 0 and r.out == plain.out, r
    return parse_reports(r.err)


def run_prog(py, name, functions, out):
    """name run bare and under memline with greenlet: the same output, out;
    the memline run and its reports."""
    vpy = greenlet_python(py)
    plain = bare(vpy, name)
    r = memline(vpy, name, functions, env=P3)
    assert r.returncode == plain.returncode == 0 and r.out == plain.out == out, r
    return r, parse_reports(r.err)


@per_interpreter
def test_the_same_function_in_two_greenlets(py):
    # was one report (taken for a recursion), the other greenlet's lines lost
    a, b = run_mode(py, "siblings", "work")
    for rep, n in ((a, 1_000_000), (b, 3_000_000)):
        check_rows(rep, {"buf": n, "more": 2 * n}, NAMES)   # buf freed after the return
        assert all(rep.occ(line) == 1 for line in rep.rows if rep.occ(line) is not None), rep


@per_interpreter
def test_a_waiting_greenlet_counts_what_the_thread_does_with_async_thread(py):
    a, b = run_mode(py, "siblings", "work", {"MEMLINE_ASYNC": "thread"})
    # a waits while b allocates 3 MB and the hog 5 MB; b while the hog
    # allocates 5 MB and a ends: 2 MB more, its 1 MB buffer freed
    assert near(a.inc(NAMES["wait"]), 8_000_000, 3), a
    assert near(b.inc(NAMES["wait"]), 6_000_000, 3), b


@per_interpreter
def test_a_child_greenlets_bytes_count_where_it_was_switched_to(py):
    for functions in ("handler", "handler,sync"):
        reps = run_mode(py, "child", functions)
        handler = [rep for rep in reps if rep.name == "handler"]
        assert len(reps) == functions.count(",") + 1 and len(handler) == 1, reps
        check_rows(handler[0], {"spawn": 4_000_000, "x": 1_000_000, "finish": 4_000_000}, NAMES)
        for rep in reps:
            if rep.name == "sync":
                check_rows(rep, {"first": 4_000_000, "second": 4_000_000}, NAMES)


@per_interpreter
def test_greenlet_imported_inside_a_running_selected_function(py):
    r, reps = run_prog(py, "greenlet_late.py", "drive,work", "4000000\n")
    (drive,) = [rep for rep in reps if rep.name == "drive"]
    assert len(reps) == 3 and not drive.unfinished, r.err
    late = markers("greenlet_late.py")
    drive.rows.pop(late["import"])       # the import's own memory
    # a child greenlet's bytes count on the line that switched to it: the
    # buffers (1 and 3 MB) there, then the second halves (2 and 6 MB,
    # kept) less the buffers freed as the works return on the finish line
    check_rows(drive, {"a": 1_000_000, "b": 3_000_000, "x": 2_000_000,
                       "finish": 4_000_000}, late)
    assert all(drive.occ(late[k]) == 1 for k in ("a", "b", "x", "finish")), drive


@per_interpreter
def test_a_greenlet_killed_from_the_hub_leaves_the_waiters_line_events(py):
    # gevent's blocking kill (found by a helper): main's lines after the
    # kill showed nothing, their bytes on the kill's line
    r, reps = run_prog(py, "greenlet_kill.py", "greenlet_kill.py:main,victim", "7000000 True\n")
    at = markers("greenlet_kill.py")
    (main,) = [rep for rep in reps if rep.name == "main"]
    assert not main.lost and not main.unfinished, r.err
    # the victim, the hub's child as the hub is main's, runs like a callee:
    # its buffer counts where main switched to the hub, and goes when it
    # dies, on the line that killed it
    check_rows(main, {"sleep": 1_000_000, "kill": -1_000_000, "x": 3_000_000,
                      "y": 4_000_000}, at)
    assert [main.occ(at[k]) for k in ("sleep", "kill", "x", "y", "ret")] == [1] * 5, main
