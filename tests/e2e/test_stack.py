"""memline's own work on a thread whose C stack is nearly full: a thread
with a small stack (threading.stack_size) recursing as deep as the bare
interpreter goes there.  memline must never be what overflows it: a report
that has no room waits and is written later (here, at exit), a first call
whose source cannot be read there is left out with one notice, and 3.11's
frame hook steps aside with one notice.  The program's exit code and output
are bare's on every interpreter; on 3.11, whose frame hook costs C stack
for every Python call made while it is set (the few that start a thread
included), a thread whose stack is under 256 KiB makes the hook step
aside at the thread's first call, so memline survives as deep as bare."""
import pytest

from conftest import run
from test_lines import (MIB, PREFIX, SMALL, bare, is_311, markers, memline, notices,
                        parse_reports, per_interpreter, prog, strip_reports, with_blank_lines)

SIZE = "32768"                      # threading's smallest stack
GIVE_UP = ("memline: a thread with a C stack of 32 KiB (threading.stack_size) runs Python, "
           "and on 3.11 memline's frame hook takes C stack at every Python call; line "
           "reports stop here, in every thread, so that the program runs on")
STOPPED = " (before line reports stopped: functions that ran after were not looked at)"
UNREAD = ("memline: 1 call of work was not reported: made where its thread's C stack was "
          "nearly full, with too little room for memline to look the function up or read "
          "its source")
UNLOOKED = " (functions that ran only where their thread's C stack was nearly full were not looked at)"

_deepest = {}


def deepest(py, first):
    """The deepest recursion small_stack.py survives bare (bisected)."""
    if (py, first) not in _deepest:
        def ok(depth):
            cp = run([py, prog("small_stack.py"), SIZE, str(depth), first])
            assert cp.returncode in (0, -11), cp
            return cp.returncode == 0
        lo, hi = 0, 1000
        assert ok(lo) and not ok(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if ok(mid) else (lo, mid)
        _deepest[py, first] = lo
    return _deepest[py, first]


def near_the_end(py, name, functions, first, levels, env=None, log_format=None):
    """bare and memline runs of small_stack.py `levels` short of the deepest
    bare survives."""
    args = [SIZE, str(deepest(py, first) - levels), first]
    if log_format:
        args.append(log_format)
    plain = bare(py, name, args)
    r = memline(py, name, functions, args, env)
    assert plain.returncode == 0 and r.returncode == 0 and r.out == plain.out, r
    assert r.out == ("[200000, 1]\n" if first == "deep-then-top" else "[200000]\n")
    return plain, r


@per_interpreter
def test_small_stack_report_waits_for_room(py):
    # work() ends 4 levels short of the stack's end, too little room for a
    # report: it is written at exit, whole
    plain, r = near_the_end(py, "small_stack.py", "work", "top", 4)
    reps = parse_reports(r.err, PREFIX)
    assert strip_reports(r.err, PREFIX).strip() == "\n".join(notices(r.err)), r.err
    if is_311(py):
        # the hook stepped aside long before: the deep call is not seen
        assert notices(r.err) == [GIVE_UP] and len(reps) == 1, r.err
        return
    assert notices(r.err) == [] and len(reps) == 2, r.err
    alloc = markers("small_stack.py")["alloc"]
    assert reps[0].inc(alloc) * MIB < SMALL, r.err
    assert 200_000 <= reps[1].inc(alloc) * MIB <= 200_000 + SMALL, r.err
    assert not reps[1].unfinished and reps[1].occ(alloc) == 1, r.err


@per_interpreter
def test_small_stack_logging_report_waits_for_room(py):
    # the logging sink runs logging (and the program's handlers) in Python
    fmt = "LOG %(message)s"
    plain, r = near_the_end(py, "small_stack.py", "work", "top", 4,
                            env={"MEMLINE_OUTPUT": "logging"}, log_format=fmt)
    assert plain.err == ""
    lines = r.err.splitlines()
    assert [l for l in lines if not l.startswith("LOG ")] == \
        ([GIVE_UP] if is_311(py) else []), r.err
    reps = parse_reports(with_blank_lines([l[4:] for l in lines if l.startswith("LOG ")]),
                         PREFIX)
    assert len(reps) == (1 if is_311(py) else 2), r.err
    alloc = markers("small_stack.py")["alloc"]
    if not is_311(py):
        assert 200_000 <= reps[1].inc(alloc) * MIB <= 200_000 + SMALL, r.err


@per_interpreter
def test_small_stack_first_call_without_room_to_read_its_source(py):
    # memline reads a function's source at its first call: 20 levels short
    # of the end there is room to look the function up, not to read it
    # (3.11: a 32 KiB stack has no room for the frame hook, which steps
    # aside at the thread's first call: the deep call is not seen)
    plain, r = near_the_end(py, "small_stack.py", "work", "deep", 20)
    assert parse_reports(r.err, PREFIX) == [], r.err
    if is_311(py):
        assert notices(r.err) == [GIVE_UP, "memline: MEMLINE_FUNCTIONS: work matched no "
                                  "function that ran in process N" + STOPPED], r.err
    else:
        assert notices(r.err) == [UNREAD], r.err


@per_interpreter
@pytest.mark.parametrize("functions", ["work", "nomatch"])
def test_small_stack_first_call_at_the_end(py, functions):
    # 4 levels short of the end not even the lookup runs: the selector
    # notice says so (3.11: the hook had stepped aside before)
    plain, r = near_the_end(py, "small_stack.py", functions, "deep", 4)
    assert parse_reports(r.err, PREFIX) == [], r.err
    unmatched = ("memline: MEMLINE_FUNCTIONS: %s matched no function that ran in process N"
                 % functions)
    if is_311(py):
        assert notices(r.err) == [GIVE_UP, unmatched + STOPPED], r.err
    else:
        assert notices(r.err) == [unmatched + UNLOOKED], r.err


@per_interpreter
def test_small_stack_call_not_looked_up_is_said_once_the_function_is(py):
    # the deep call is not even looked up; the main thread's next call
    # is, and is selected: the deep one was a selected call, lost, and
    # said so (3.11: the hook had stepped aside, nothing more is seen)
    plain, r = near_the_end(py, "small_stack.py", "work", "deep-then-top", 4)
    if is_311(py):
        assert parse_reports(r.err, PREFIX) == [], r.err
        assert notices(r.err) == [GIVE_UP, "memline: MEMLINE_FUNCTIONS: work matched no "
                                  "function that ran in process N" + STOPPED], r.err
    else:
        assert notices(r.err) == [UNREAD], r.err
        (rep,) = parse_reports(strip_notices(r.err), PREFIX)
        assert rep.occ(markers("small_stack.py")["alloc"]) == 1


def strip_notices(err):
    return "\n".join(l for l in err.split("\n") if not l.startswith("memline: "))


@per_interpreter
def test_selected_generator_chain_as_deep_as_bare(py):
    # chain(n) yields from chain(n - 1): on 3.8-3.11 each level is a C
    # call (3.12+: none, 4000 levels run).  Its inner generators are the outer call's recursion, which
    # memline does not track: it adds no C stack of its own per level (it
    # once took ~27% of the levels bare reaches on 3.8-3.10)
    size = "131072"

    def ok(depth):
        cp = run([py, prog("gen_chain_stack.py"), size, str(depth)])
        assert cp.returncode in (0, -11), cp
        return cp.returncode == 0
    lo, hi = 0, 4000
    assert ok(lo)
    if ok(hi):          # 3.12+ run a yield from without a C call
        lo = hi + 4
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    args = [size, str(lo - 4)]
    plain = bare(py, "gen_chain_stack.py", args)
    r = memline(py, "gen_chain_stack.py", "chain", args, {"MEMLINE_PRECISION": "3"})
    assert plain.returncode == 0 and r.returncode == 0 and r.out == plain.out, r
    assert r.out == "[%d]\n" % (lo - 3)
    if is_311(py):      # a thread stack under 256 KiB: the hook steps aside
        assert notices(r.err)[0] == GIVE_UP.replace(" 32 KiB", " 128 KiB"), r.err
        return
    (rep,) = parse_reports(r.err, PREFIX)
    names = markers("gen_chain_stack.py")
    assert rep.occ(names["ckeep"]) == 1 and rep.occ(names["cfrom"]) == 1
