"""memline at the program's own limits, on every interpreter: selected
calls a few frames below the recursion limit, and memory that runs out
around a selected function's first call.  memline's own work there (its
Python that matches the code, reads the source, writes the report) must
neither fail nor change what the program sees, and what it could not do
for want of memory is done at the next call."""
import re

from test_lines import (P3, PREFIX, bare, markers, memline, near, notices, parse_reports,
                        per_interpreter, prog)


@per_interpreter
def test_selected_calls_just_below_the_recursion_limit(py):
    plain = bare(py, "near_limit.py")
    r = memline(py, "near_limit.py", "leaf", env=P3)
    assert r.returncode == plain.returncode == 0, r
    # where the program's RecursionError comes is unchanged, 3.8/3.9's
    # grace after one included
    assert r.out == plain.out, (r.out, plain.out)
    assert notices(r.err) == [], r.err
    ran = int(re.search(r"^leaf ran (\d+)$", r.out, re.M).group(1))
    done = len(re.findall(r" ?-?\d+:\d+", r.out.splitlines()[0]))
    names = markers("near_limit.py")
    reps = parse_reports(r.err)
    counted = [rep for rep in reps if rep.occ(names["count"]) is not None]
    # every call that ran a line is reported, the deepest ones included,
    # and each that returned shows its bytes
    assert len(counted) == ran, (ran, reps)
    returned = [rep for rep in counted if rep.occ(names["ret"]) == 1]
    assert len(returned) == done + 1, (done, reps)
    for rep, size in zip(returned, [1_000_000] * done + [2_000_000]):
        assert near(rep.inc(names["alloc"]), size, 3), rep
    # a call refused at its entry (RecursionError before its first
    # instruction, after memline saw it start on 3.8-3.11) is no invocation
    assert len(reps) == ran, (ran, reps)


@per_interpreter
def test_a_call_refused_at_entry_by_the_recursion_limit_is_not_reported(py):
    # 3.8-3.11 reported such a call: its def row once, nothing else
    plain = bare(py, "entry_recursion.py")
    r = memline(py, "entry_recursion.py", "work")
    assert r.returncode == plain.returncode == 0, r
    assert r.out == plain.out, (r.out, plain.out)
    calls = int(re.fullmatch(r"calls (\d+)\n", r.out).group(1))
    assert len(parse_reports(r.err, PREFIX)) == calls > 200, r.err[-2000:]
    assert notices(r.err) == [], r.err[-2000:]


OOM_NOTICE = re.compile(r"^memline: out of memory in (match|source|start|report|signals_wait|signals_resume); a report may be missing$")


@per_interpreter
def test_a_report_lost_for_want_of_memory_is_tried_again_next_call(py):
    plain = bare(py, "oom_then_room.py")
    r = memline(py, "oom_then_room.py", "work", env=P3)
    assert r.returncode == plain.returncode == 0, r
    assert r.out == plain.out == "[1000000, 2000000, 3000000]\n", r
    assert all(OOM_NOTICE.match(n) for n in notices(r.err)), r.err
    reps = parse_reports(r.err)
    alloc = markers("oom_then_room.py")["alloc"]
    # the call made while memory was out may or may not be reported; the
    # three made after it are
    assert len(reps) in (3, 4), reps
    for rep, size in zip(reps[-3:], (1_000_000, 2_000_000, 3_000_000)):
        assert rep.occ(alloc) == 1 and near(rep.inc(alloc), size, 3), rep


@per_interpreter
def test_the_room_is_the_reporting_threads_alone(py):
    """The logging sink runs Python long enough for other threads to run:
    they must see the program's limit, and the limit must end as it was."""
    plain = bare(py, "limit_threads.py")
    r = memline(py, "limit_threads.py", "sel,work", env={"MEMLINE_OUTPUT": "logging"})
    assert r.returncode == plain.returncode == 0, r
    assert plain.out.startswith("RecursionError caught\nRecursionError caught again\n")
    assert strip_records(r.out) == plain.out, r.out[-2000:]
    assert "limits seen [1000]\nlimit at the end 1000\n" in plain.out
    assert notices(r.err) == [], r.err


def strip_records(out):
    return "".join(l for l in out.splitlines(True) if not l.startswith(PREFIX))


@per_interpreter
def test_a_report_lost_for_want_of_memory_is_said(py):
    # the report of a call that ended with the address space full: lost
    # without a word when memline's own memory for it ran out
    plain = bare(py, "oom_report.py")
    r = memline(py, "oom_report.py", "fill,small")
    assert r.returncode == plain.returncode == 0, r
    assert r.out == plain.out == "[True, True, 1]\n", r
    firsts = [rep.first for rep in parse_reports(r.err, PREFIX)]
    at = {name: n for n, line in enumerate(open(prog("oom_report.py")), 1)
          for name in ("fill", "small") if line.startswith("def %s(" % name)}
    assert firsts.count(at["small"]) == 1, r.err
    said = notices(r.err)
    assert all(OOM_NOTICE.match(n) for n in said) and len(said) == len(set(said)), r.err
    assert firsts.count(at["fill"]) == 2 or said, r.err
