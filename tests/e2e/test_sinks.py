"""Sinks and settings at their edges, on every interpreter: FIFOs, standard
streams closed at start-up, relative and very long paths, a reader that
went away, a non-blocking stdout, a full disk, symbolic links, and values
that are not what they should be.  Each notice is checked word for word;
the program's own output and exit status must be what they are without
memline."""
import os
import select
import subprocess
import threading

import pytest

from conftest import LIB, ROOT, run, summaries, target
from test_lines import (POOL_UNMATCHED, minor, PREFIX, Result, near, notices, parse_reports,
                        per_interpreter, prog, strip_reports,
                        with_blank_lines)

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


# ---- file: on a FIFO ----

@per_interpreter
def test_sink_fifo_with_reader_gets_every_report(py, tmp_path):
    fifo = tmp_path / "reports"
    os.mkfifo(fifo)
    got = []

    def reader():
        with open(fifo, "rb") as f:
            got.append(f.read())

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:%s" % fifo})
    t.join(30)
    assert r.returncode == 0 and r.err == "", r
    assert r.out == "first 3000000\nsecond 3000000\n"
    # one stream for the process's life: the reader saw both reports, then EOF
    assert not t.is_alive() and len(got) == 1
    check_work_reports(got[0].decode())


@per_interpreter
def test_sink_fifo_without_reader_goes_to_stderr(py, tmp_path):
    fifo = tmp_path / "reports"
    os.mkfifo(fifo)
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:%s" % fifo})
    assert r.returncode == 0, r
    assert r.out == "first 3000000\nsecond 3000000\n"
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=file:%s: %s is a FIFO with no reader; "
        "reports go to stderr" % (fifo, fifo)]
    check_work_reports("\n".join(l for l in r.err.split("\n")
                                 if not l.startswith("memline: ")))


# ---- standard streams closed at start-up ----

@per_interpreter
def test_sink_stdout_closed_at_start_is_never_written(py, tmp_path):
    data = tmp_path / "data.txt"
    r = shell(py, "sink_closed_fd.py", ">&-", env={"MEMLINE_OUTPUT": "stdout"},
              args=[str(data)])
    assert r.returncode == 0 and r.out == "", r
    assert data.read_text() == "DATA\nMORE\n"
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=stdout: standard output was closed when the program "
        "started; reports go to stderr"]
    (rep,) = parse_reports("\n".join(l for l in r.err.split("\n")
                                     if not l.startswith("memline: ")), PREFIX)
    assert rep.filename == prog("sink_closed_fd.py")


@per_interpreter
def test_sink_stderr_closed_at_start_is_never_written(py, tmp_path):
    data = tmp_path / "data.txt"
    # the report (stderr sink) and the notice at exit about 'nosuch' have
    # nowhere to go: the file that took fd 2 stays the program's
    r = shell(py, "sink_closed_fd.py", "2>&-", functions="work,nosuch",
              env={"MEMLINE_SUMMARY": "1"}, args=[str(data)])
    assert r.returncode == 0 and r.out == "" and r.err == "", r
    assert data.read_text() == "DATA\nMORE\n"


@per_interpreter
@pytest.mark.parametrize("mode", ["socket", "file", "stdout", "inode"])
def test_sink_stream_closed_later_and_reused_is_never_written(py, mode, tmp_path):
    """A daemon closes its standard streams and the numbers go to its
    sockets or files: before, the reports went into them."""
    out = tmp_path / "out"
    plain = Result(subprocess.run([py, prog("sink_reused_fd.py"), mode, str(out)],
                                  capture_output=True, timeout=60))
    want = out.read_bytes()
    env = {"MEMLINE_OUTPUT": "stdout"} if mode == "stdout" else {}
    r = memline(py, "sink_reused_fd.py", env=env, args=[mode, str(out)])
    assert r.returncode == plain.returncode == 0, r
    assert out.read_bytes() == want == {"socket": b"fd 2: HELLO BYE\n",
                                        "inode": b"DATA\n"}.get(mode, b"START\nEND\n")
    assert r.out == "" and r.err == "", r


@per_interpreter
@pytest.mark.parametrize("sink", ["stderr", "stdout"])
def test_sink_streams_where_statx_is_refused(py, sink):
    """A sandbox that refuses statx: the standard streams were taken for
    closed and reused, and every report was dropped without a word."""
    env = preload_env(env={"MEMLINE_OUTPUT": sink})
    env["LD_PRELOAD"] = target("no_statx.so") + ":" + LIB
    r = Result(subprocess.run([py, prog("sink_work.py")], env=env, capture_output=True,
                              timeout=60))
    assert r.returncode == 0, r
    if sink == "stdout":
        assert r.err == "", r
        check_work_reports(r.out.replace("first 3000000\n", "").replace("second 3000000\n", ""))
    else:
        assert r.out == "first 3000000\nsecond 3000000\n", r
        check_work_reports(r.err)


@per_interpreter
@pytest.mark.parametrize("sink", ["stderr", "stdout"])
@pytest.mark.parametrize("at_start, later", [("1", "0"), ("0", "1")])
def test_sink_streams_where_statx_is_refused_from_some_point_on(py, sink, at_start, later,
                                                                 tmp_path):
    """statx refused after start-up (or let through after being refused):
    the streams known with birth times did not match the same files known
    without, and the later reports were dropped without a word."""
    env = preload_env(env={"MEMLINE_OUTPUT": sink, "NO_STATX_AT_START": at_start})
    env["LD_PRELOAD"] = target("no_statx.so") + ":" + LIB
    out, err = tmp_path / "out", tmp_path / "err"
    with open(out, "w") as o, open(err, "w") as e:     # files: birth times
        rc = subprocess.run([py, prog("statx_toggle.py"), target("no_statx.so"), later],
                            env=env, stdout=o, stderr=e, timeout=60).returncode
    assert rc == 0
    text = (out if sink == "stdout" else err).read_text()
    assert "first 3000000\nsecond 3000000\n" == "".join(
        l + "\n" for l in out.read_text().split("\n") if l.startswith(("first", "second")))
    reps = parse_reports(strip_lines(text, ("first", "second")), PREFIX)
    assert len(reps) == 2 and all(sorted(rep.rows) == [9, 10, 11] for rep in reps), text
    assert (err.read_text() if sink == "stdout" else "") == ""


def strip_lines(text, starts):
    return "".join(l + "\n" for l in text.split("\n")[:-1] if not l.startswith(starts))


@per_interpreter
def test_sink_stderr_follows_the_programs_dup2(py, tmp_path):
    log = tmp_path / "log"
    r = memline(py, "sink_reused_fd.py", args=["redirect", str(log)])
    assert r.returncode == 0 and r.out == "" and r.err == "", r
    reps = parse_reports(log.read_text(), PREFIX)
    assert len(reps) == 2 and all(rep.filename == prog("sink_reused_fd.py") for rep in reps)


@per_interpreter
def test_sink_stderr_redirected_by_another_thread_loses_no_report(py, tmp_path):
    """A redirection is known before the dup2 makes it: a report written
    meanwhile was dropped as if fd 2 had been taken by a data file."""
    log = tmp_path / "log"
    r = memline(py, "sink_reused_fd.py", args=["flip", str(log)])
    assert r.returncode == 0 and r.out == "" and r.err == "", r
    text = log.read_text() + (tmp_path / "log.b").read_text()
    assert len(parse_reports(text, PREFIX)) == 500

@per_interpreter
def test_sink_stderr_is_the_parents_after_children_redirect_theirs(py, tmp_path):
    """subprocess dup2's its pipes onto 1 and 2 in a vfork child, in the
    parent's memory: the parent's stderr must stay its own."""
    log = tmp_path / "log"
    r = memline(py, "sink_reused_fd.py", args=["children", str(log)])
    assert r.returncode == 0 and r.out == "", r
    assert len(parse_reports(r.err, PREFIX)) == 2, r
    assert len(parse_reports(log.read_text(), PREFIX)) == 1


# ---- relative paths ----

@per_interpreter
def test_sink_relative_file_stays_where_it_started(py, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:reports-%p.log"},
                args=[str(sub)], cwd=tmp_path)
    assert r.returncode == 0 and r.err == "", r
    assert os.listdir(sub) == []
    (name,) = [n for n in os.listdir(tmp_path) if n != "sub"]
    assert name == "reports-%d.log" % int(name[8:-4]), name
    check_work_reports((tmp_path / name).read_text())


# ---- a path longer than PATH_MAX ----

@per_interpreter
def test_sink_too_long_path_is_named_not_cut(py, tmp_path):
    # directories that exist, so that a path cut at 4,072 bytes (as before)
    # would open a file in one of them
    fd = os.open(tmp_path, os.O_RDONLY)
    part = "d" * 200
    depth = 0
    while len(str(tmp_path)) + depth * 201 < 4300:
        os.mkdir(part, dir_fd=fd)
        nfd = os.open(part, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        depth += 1
    os.close(fd)
    path = str(tmp_path) + ("/" + part) * depth + "/x.log"
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:" + path})
    assert r.returncode == 0, r
    shown = "%s...%s (%d bytes)" % (path[:80], path[-60:], len(path))
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=file:%s: cannot open %s (File name too long); "
        "reports go to stderr" % (shown, shown)]
    check_work_reports("\n".join(l for l in r.err.split("\n")
                                 if not l.startswith("memline: ")))
    made = [os.path.join(d, f) for d, _, files in os.walk(tmp_path) for f in files]
    assert made == []


# ---- writing: SIGPIPE, EAGAIN, other errors ----

@per_interpreter
def test_sink_stdout_to_a_gone_reader_keeps_the_exit_status(py):
    r = shell(py, "sink_sigpipe.py", "| head -1; exit ${PIPESTATUS[0]}",
              env={"MEMLINE_OUTPUT": "stdout"})
    assert r.returncode == 3, r
    assert r.out == "first line\n"
    assert r.err == (
        "memline: MEMLINE_OUTPUT=stdout: cannot write a report (Broken pipe); "
        "reports that cannot be written are lost\n"
        "program finished normally\n"), r


@per_interpreter
def test_sink_nonblocking_stdout_gets_the_whole_report(py):
    env = preload_env(env={"MEMLINE_OUTPUT": "stdout"})
    p = subprocess.Popen([py, prog("sink_nonblock.py")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    threading.Event().wait(1.0)         # a slow reader: the pipe fills first
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, (out, err)
    assert err == b"done\n"
    (rep,) = parse_reports(out.decode(), PREFIX)
    assert rep.filename == prog("sink_nonblock.py")
    assert sorted(rep.rows) == [9, 10, 11]
    assert rep.rows[10][3].endswith("x" * 6000) and rep.rows[11][2:] == (1, "    return n")
    assert strip_reports(out.decode(), PREFIX).strip("\n") == ""


@per_interpreter
def test_sink_write_error_is_named_once(py):
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:/dev/full"})
    assert r.returncode == 0, r
    assert r.out == "first 3000000\nsecond 3000000\n"
    assert r.err == (
        "memline: MEMLINE_OUTPUT=file:/dev/full: cannot write a report (No space left on "
        "device); reports that cannot be written are lost\n"), r


# ---- messages ----

@per_interpreter
def test_sink_symlink_is_named_as_one(py, tmp_path):
    link = tmp_path / "link.log"
    link.symlink_to(tmp_path / "target.log")
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:%s" % link})
    assert r.returncode == 0, r
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=file:%s: %s is a symbolic link, which memline does not "
        "follow; reports go to stderr" % (link, link)]
    assert sorted(os.listdir(tmp_path)) == ["link.log"]
    check_work_reports("\n".join(l for l in r.err.split("\n")
                                 if not l.startswith("memline: ")))


@per_interpreter
def test_sink_dev_stdout_suggests_stdout(py):
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:/dev/stdout"})
    assert r.returncode == 0, r
    assert r.out == "first 3000000\nsecond 3000000\n"
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=file:/dev/stdout: /dev/stdout is a symbolic link, which "
        "memline does not follow (use MEMLINE_OUTPUT=stdout); reports go to stderr"]


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

CONTROL = "has a control character, which would split or garble every report line"

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
    # a line break split every report line in two
    ("MEMLINE_FORMAT", "x\n%(message)s",
     "MEMLINE_FORMAT=x\\n%(message)s " + CONTROL + "; " + DEFAULT_FORMAT),
    ("MEMLINE_FORMAT", "%(message)s\r",
     "MEMLINE_FORMAT=%(message)s\\r " + CONTROL + "; " + DEFAULT_FORMAT),
    ("MEMLINE_FORMAT", "\x1b[1m%(message)s",
     "MEMLINE_FORMAT=\\x1b[1m%(message)s " + CONTROL + "; " + DEFAULT_FORMAT),
    ("MEMLINE_LOGGER", "log\nger",
     "MEMLINE_LOGGER=log\\nger " + CONTROL + "; using memory_profiler_logs"),
    # a value too long for a notice's line shows its start and its end, so
    # that what is wrong with it is still said (it was cut at 4 KiB)
    ("MEMLINE_PRECISION", "7" * 100_000,
     "MEMLINE_PRECISION=" + "7" * 80 + "..." + "7" * 60 + " (100000 bytes) "
     "is not a whole number from 0 to 9; using 1"),
    ("MEMLINE_FORMAT", "\u00e9" * 3000 + "%(message)s%(x)s",
     "MEMLINE_FORMAT=" + "\u00e9" * 40 + "..." + "\u00e9" * 22 + "%(message)s%(x)s (6016 bytes) "
     "has %(x)s, which is not one of %(name)s %(message)s %(levelname)s %(process)d "
     "%(asctime)s; " + DEFAULT_FORMAT),
]


@per_interpreter
@pytest.mark.parametrize("var,value,notice", STRICT,
                         ids=["precision-space", "precision-plus", "format-no-message",
                              "format-bare-percent", "format-trailing-percent",
                              "format-unknown-field", "format-not-utf8", "logger-not-utf8",
                              "format-newline", "format-return", "format-escape",
                              "logger-newline", "precision-long", "format-long"])
def test_sink_strict_setting(py, var, value, notice):
    r = memline(py, "sink_work.py", env={var: value})
    assert r.returncode == 0, r
    assert r.out == "first 3000000\nsecond 3000000\n"
    assert notices(r.err) == ["memline: " + notice]
    # the default is used: full reports, precision 1, the default prefix
    reps = check_work_reports("\n".join(l for l in r.err.split("\n")
                                        if not l.startswith("memline: ")))
    assert all(rep.precision == 1 for rep in reps)


@per_interpreter
def test_sink_many_malformed_selectors_in_one_notice(py):
    # 700 selectors and a malformed one made a notice cut at 4 KiB, before
    # it named the malformed one; thirty malformed ones are named ten
    value = "work," + ",".join("m%d:f%d" % (i, i) for i in range(700)) + "," + \
        ",".join("a%d b" % i for i in range(30))
    r = memline(py, "sink_work.py", functions=value)
    assert r.returncode == 0 and r.out == "first 3000000\nsecond 3000000\n", r
    shown = "%s...%s (%d bytes)" % (value[:80], value[-60:], len(value))
    named = ", ".join("'a%d b' (whitespace in its name)" % i for i in range(10))
    said = [n for n in notices(r.err) if not n.endswith("matched no function that ran in "
                                                          "process N")]
    assert said == ["memline: MEMLINE_FUNCTIONS=%s has malformed selectors: %s, "
                    "and 20 more; they are ignored" % (shown, named)], r.err
    check_work_reports("\n".join(l for l in r.err.split("\n") if not l.startswith("memline: ")))


@per_interpreter
def test_sink_double_percent_in_path_is_one(py, tmp_path):
    r = memline(py, "sink_work.py",
                env={"MEMLINE_OUTPUT": "file:%s/ml-100%%%%-%%p.log" % tmp_path})
    assert r.returncode == 0 and r.err == "", r
    (name,) = os.listdir(tmp_path)
    assert name.startswith("ml-100%-") and name[len("ml-100%-"):-4].isdigit(), name
    check_work_reports((tmp_path / name).read_text())



SETTINGS = ("MEMLINE_FUNCTIONS", "MEMLINE_OUTPUT", "MEMLINE_LOGGER", "MEMLINE_FORMAT",
            "MEMLINE_INCREMENTS_ONLY", "MEMLINE_PRECISION", "MEMLINE_ASYNC", "MEMLINE_SUMMARY")


@per_interpreter
@pytest.mark.parametrize("var", SETTINGS)
def test_sink_empty_value_is_unset(py, var):
    # MEMLINE_FORMAT= was "is empty; using ..."; the others were unset already
    r = memline(py, "sink_work.py", env={var: ""})
    assert r.returncode == 0, r
    assert r.out == "first 3000000\nsecond 3000000\n"
    if var == "MEMLINE_FUNCTIONS":      # no functions: no reports, nothing said
        assert r.err == "", r
    else:                               # the defaults: full reports, precision 1
        assert notices(r.err) == [], r.err
        reps = check_work_reports(r.err)
        assert all(rep.precision == 1 for rep in reps)


BAD_SETTINGS = {"MEMLINE_PRECISION": "x", "MEMLINE_SUMMARY": "yes", "MEMLINE_BOGUS": "1"}
BAD_NOTICES = ["memline: unknown variable MEMLINE_BOGUS ignored",
               "memline: MEMLINE_SUMMARY=yes is not one of 0, 1, all; no summary will be printed",
               "memline: MEMLINE_PRECISION=x is not a whole number from 0 to 9; using 1"]


@per_interpreter
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
@pytest.mark.parametrize("proc", ["", "no /proc"])
def test_sink_settings_named_once_across_a_process_pool(py, method, proc):
    # every worker, the resource tracker and the fork server said them again
    # (without /proc, where memline read their command lines, until it took
    # the arguments glibc hands its initialisers)
    env = preload_env("f", BAD_SETTINGS)
    if proc:
        env["LD_PRELOAD"] = target("no_proc_cmdline.so") + ":" + LIB
    r = Result(subprocess.run([py, prog("mp_notice.py"), method], capture_output=True,
                              timeout=120, env=env))
    assert r.returncode == 0 and r.out == "[1000, 2000]\n", r
    assert len(parse_reports(r.err, PREFIX)) == 2, r.err
    assert notices(r.err) == BAD_NOTICES + ([] if method == "fork" else [POOL_UNMATCHED]), r.err


@per_interpreter
def test_sink_settings_named_again_by_another_program(py):
    # a Python program the program starts is not one of multiprocessing's
    # helpers, even when it is started with -c
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'pass'])"
    r = Result(subprocess.run([py, "-c", code], capture_output=True, timeout=60,
                              env=preload_env("", BAD_SETTINGS)))
    assert r.returncode == 0 and r.out == "", r
    assert notices(r.err) == BAD_NOTICES * 2, r.err


@per_interpreter
def test_sink_logging_a_signal_handlers_exception_at_a_return_or_an_unwinding(py):
    # The program's own logging handler signals the process at each of
    # memline's records, and the signal's handler raises: its exception
    # comes at the selected call's return, inside the caller's try
    # statement -- when the call raised, in place of the call's exception,
    # which becomes its context (3.8-3.11 raised it at the next check, past
    # the try statement; 3.12-3.13 dropped the call's exception)
    r = memline(py, "signal_unwind.py", "work", {"MEMLINE_OUTPUT": "logging"})
    during = ["None", "ValueError('its own')"] * 2
    assert r.returncode == 0, r
    assert r.out == "".join("interrupted at the return, during %s\n" % d for d in during) + \
        "handler kept True\n", r
    # the logging sink's records: every report, nothing else
    assert r.err.count(PREFIX + "Filename: ") == 4, r.err
    assert all(l.startswith(PREFIX) for l in r.err.splitlines()), r.err


@per_interpreter
def test_sink_logging_handlers_given_back_when_making_them_wait_fails(py):
    # boot.py's signals_wait, with a stand-in _signal: replacing the
    # program's handlers failed part way (out of memory, a handler's
    # exception at a check in its loop), and those already replaced stayed
    # replaced -- the program's own handlers never ran again
    boot = os.path.join(ROOT, "attribution", "boot.py")
    r = Result(run([py, prog("boot_signals_wait.py"), boot]))
    assert r.returncode == 0 and r.err == "", r
    back = "[(2, True), (10, True), (14, True)]"
    assert r.out == ("0 waiting [2, 10, 14] replaced [2, 10, 14]\n"
                     "1 MemoryError to put back: %s\n"
                     "2 MemoryError to put back: %s\n"
                     "3 Stop to put back: %s\n" % (back, back, back)), r


@per_interpreter
@pytest.mark.parametrize("configured", [False, True], ids=["stderr-fallback", "handler"])
def test_sink_logging_with_a_signal_handler_that_raises(py, configured):
    # A SIGALRM handler raising every 0.3 ms while reports go through
    # logging on the main thread: its exception landed inside logging (a
    # handler's lock left taken: the other thread's next report waited for
    # ever) or was raised past the program's try statement.  Now the
    # program's handlers give way while memline logs, and a signal that
    # came meanwhile is raised again after, where the report was made.
    r = memline(py, "signal_logging.py", "sel", {"MEMLINE_OUTPUT": "logging"},
                ["1.5"] + (["configured"] if configured else []))
    assert r.returncode == 0 and r.out == "done True\n", (r.returncode, r.out, r.err[-3000:])
    assert "Logging error" not in r.err and "Traceback" not in r.err, r.err[-3000:]
    assert r.err.count("Filename: ") > 100


@per_interpreter
@pytest.mark.parametrize("sink", ["stderr", "logging"])
def test_signal_handlers_put_back_with_their_actions_and_run_in_the_program(py, sink):
    # handlers held back while memline's Python ran (the first call's
    # source, each logging report) came back through signal.signal: their
    # flags lost (siginterrupt's SA_RESTART), and a signal that came
    # meanwhile had its handler run inside memline's Python
    r = memline(py, "signal_actions.py", "work", {"MEMLINE_OUTPUT": sink})
    kicks = 3 if sink == "logging" else 0
    assert r.returncode == 0 and r.out == "300000 True %d True True True\n" % kicks, r
    assert r.err.count(PREFIX + "Filename: ") == 3, r.err


@per_interpreter
@pytest.mark.parametrize("close2", [False, True])
def test_summary_never_written_into_a_file_that_took_the_kept_stderr(py, tmp_path, close2):
    # the copy of stderr kept for the summary was closed by the program's
    # closerange and its number reused: the notice and the summary went
    # into data_97; with fd 2 still there they go to it, else nowhere
    r = memline(py, "summary_fd_reuse.py", "work,nosuch", {"MEMLINE_SUMMARY": "1"},
                args=[str(tmp_path)] + (["close2"] if close2 else []))
    assert r.returncode == 0 and r.out == "1000000\n", r
    for i in range(120):
        assert (tmp_path / ("data_%d" % i)).read_bytes() == b"data\n", i
    assert len(parse_reports(r.err, PREFIX)) == 1, r.err
    if close2:
        assert notices(r.err) == [], r.err
    else:
        assert len(summaries(r.err)) == 1, r.err
        assert any("nosuch matched no function" in n for n in notices(r.err)), r.err


@per_interpreter
@pytest.mark.parametrize("mode", ["w", "a"])
def test_sink_logging_after_logging_shutdown_leaves_the_log_alone(py, tmp_path, mode):
    log = tmp_path / "app.log"
    r = memline(py, "logging_shut.py", "work", {"MEMLINE_OUTPUT": "logging"},
                args=[mode, str(log)])
    assert r.returncode == 0 and r.out == "1000000\n", r
    assert log.read_text() == "one\ntwo\n"
    assert len(parse_reports(r.err, PREFIX)) == 1, r.err
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=logging: logging would not show the INFO records of logger "
        "'memory_profiler_logs' (not configured, a level above INFO, the logger disabled, or "
        "its handlers closed): reports go to stderr until it does"], r.err


@per_interpreter
@pytest.mark.parametrize("disposition", ["default", "handler"])
def test_sink_file_past_the_file_size_limit_sends_the_program_no_signal(py, tmp_path,
                                                                        disposition):
    out = tmp_path / "reports.txt"
    r = memline(py, "sink_fsize.py", "work", {"MEMLINE_OUTPUT": "file:%s" % out},
                args=[disposition])
    assert r.returncode == 0 and r.out == "510 []\n", r
    assert notices(r.err) == ["memline: MEMLINE_OUTPUT=file:%s: cannot write a report (File "
                              "too large); reports that cannot be written are lost" % out], r.err
    assert 0 < out.stat().st_size <= 1500


@per_interpreter
def test_sink_file_out_of_descriptors_for_one_report_only(py, tmp_path):
    out = tmp_path / "reports.txt"
    r = memline(py, "sink_emfile.py", "work", {"MEMLINE_OUTPUT": "file:%s" % out})
    assert r.returncode == 0 and r.out == "3003 True\n", r
    assert notices(r.err) == ["memline: MEMLINE_OUTPUT=file:%s: cannot open %s for now (Too "
                              "many open files); reports go to stderr until it opens"
                              % (out, out)], r.err
    assert len(parse_reports(r.err, PREFIX)) == 1, r.err
    assert len(parse_reports(out.read_text(), PREFIX)) == 2


@per_interpreter
@pytest.mark.parametrize("name,out", [
    # a logging handler's gc.disable(): memline's resuming undid it
    ("gc_handler_disable.py", "1000 True\n"),
    # a handler already back raised while the next were put back (Python
    # doing it could be stopped anywhere): the rest stayed memline's
    ("signal_put_back.py", "[(0, True, False), (2, True, True), (4, True, True), "
                           "(5, True, True), (6, True, True)]\n"),
    # a child forked while the handlers waited kept memline's noting one
    # (and collection paused, when it was paused there)
    ("fork_in_wait.py", "1000 [0] True\n"),
])
def test_sink_logging_leaves_the_collector_and_the_signal_handlers_as_they_were(py, name, out):
    r = memline(py, name, "work", {"MEMLINE_OUTPUT": "logging"})
    assert r.returncode == 0 and r.out == out, r


@per_interpreter
def test_sink_logging_report_made_inside_a_collection_goes_to_stderr(py):
    r = Result(run([py, prog("gc_queue_logging.py")], preload=True, timeout=120,
                   env_extra={"MEMLINE_FUNCTIONS": "g", "MEMLINE_OUTPUT": "logging"}))
    assert r.returncode == 0 and r.out == "done\n", r
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=logging: a selected function ended inside garbage collection "
        "(a __del__ or weakref callback called it), where logging may hold a lock; its reports "
        "go to stderr"], r.err[-2000:]
    assert len(parse_reports(r.err, PREFIX)) > 0


@per_interpreter
@pytest.mark.parametrize("mode", ["handler", "config"])
def test_sink_logging_report_ending_inside_an_import_waits(py, mode, tmp_path):
    """A report that ends in a module's top level, while another thread
    holding a logging lock waits to import that module, is held until
    logging can take it without waiting (here: at exit) -- it waited for
    the lock, the other thread for the import, for ever."""
    args = [py, prog("import_logging_lock.py"), str(tmp_path), mode]
    plain = Result(subprocess.run(args, capture_output=True, timeout=60))
    r = Result(subprocess.run(args, capture_output=True, timeout=60,
                              env=preload_env(env={"MEMLINE_OUTPUT": "logging"})))
    assert plain.returncode == r.returncode == 0 and r.out == plain.out, (plain, r)
    (rep,) = parse_reports(with_blank_lines(r.err.split("\n")), PREFIX)
    assert rep.filename == str(tmp_path / "sync.py") and sorted(rep.rows) == [7, 8, 9], rep
    assert near(rep.inc(8), 8_000_000, rep.precision), rep


@per_interpreter
def test_sink_logging_handlers_run_with_the_programs_signal_mask(py):
    # memline holds the main thread's signals back while it prepares a
    # report (a signal then would run its handler inside memline's Python,
    # unreported), but lets them through before the program's handlers run
    r = memline(py, "signal_mask_logging.py", env={"MEMLINE_OUTPUT": "logging"})
    assert r.returncode == 0 and notices(r.err) == [], r
    assert r.out == "[(<Signals.SIGUSR2: 12>,)] [<Signals.SIGUSR2: 12>]\n", r


@per_interpreter
def test_sink_logging_report_ending_inside_an_import_goes_out_in_place(py, tmp_path):
    # every report that ended inside an import was held to the exit, where
    # logging.shutdown had closed the file: it went to stderr instead
    r = memline(py, "import_file_log.py", env={"MEMLINE_OUTPUT": "logging"},
                args=[str(tmp_path)])
    assert r.returncode == 0 and r.out == "" and r.err == "", r
    lines = (tmp_path / "app.log").read_text().split("\n")
    assert lines[0] == "before" and lines[-2:] == ["after", ""], lines
    (rep,) = parse_reports(with_blank_lines(lines[1:-2]), PREFIX)
    assert rep.filename == str(tmp_path / "work_mod.py") and sorted(rep.rows) == [8, 9, 10], rep


@per_interpreter
@pytest.mark.parametrize("mode", ["memory", "queue", "syslog"])
def test_sink_logging_unfinished_report_after_handlers_closed_goes_to_stderr(py, mode):
    # logging.shutdown closed a handler that is no file handler: the report
    # of an invocation still running at exit was kept in a memory handler,
    # put in a queue no one reads, or (3.8-3.10 syslog) made an error per line
    if mode == "queue" and minor(py) <= 9:
        pytest.skip("3.8 and 3.9 do not say whether a handler is closed, and a queue "
                    "handler has no other sign of it (README)")
    r = memline(py, "exit_closed_handler.py", "hang", env={"MEMLINE_OUTPUT": "logging"},
                args=[mode])
    assert r.returncode == 0 and r.out == "end\n", r
    assert notices(r.err) == [
        "memline: MEMLINE_OUTPUT=logging: logging would not show the INFO records of logger "
        "'memory_profiler_logs' (not configured, a level above INFO, the logger disabled, or "
        "its handlers closed): reports go to stderr until it does"], r.err
    (rep,) = parse_reports(r.err, PREFIX)
    assert rep.unfinished and "Logging error" not in r.err, r.err


@per_interpreter
@pytest.mark.parametrize("mode", ["lock", "noargs", "worker"])
def test_sink_logging_report_ending_inside_an_import_locks_nothing_itself(py, mode, tmp_path):
    # a first fix took every logging lock of the report's way itself, and
    # held them: a handler with a plain Lock hung, one whose acquire takes
    # no arguments lost the report (named as its handler's failure), one
    # waiting for a thread that logs hung
    r = Result(subprocess.run([py, prog("import_handler_locks.py"), str(tmp_path), mode],
                              capture_output=True, timeout=60,
                              env=preload_env(env={"MEMLINE_OUTPUT": "logging"})))
    assert r.returncode == 0 and r.err == "", r
    out = r.out.split("\n")
    assert out[0] == "program record" and out[-2:] == ["done", ""], r
    if mode == "worker":
        assert len(out) == 2 + 6 + 1 and all(l.startswith("forwarded a line of ")
                                             for l in out[1:-2]), r
        return
    (rep,) = parse_reports(with_blank_lines(out[1:-2]), PREFIX)
    assert rep.filename == str(tmp_path / "top_mod.py") and sorted(rep.rows) == [1, 2, 3], rep


@per_interpreter
@pytest.mark.parametrize("mode", ["queue", "memory"])
def test_sink_logging_handler_closed_or_without_target_while_running_takes_reports(py, mode):
    # taken for gone while the program ran, the report went to stderr: a
    # queue handler dictConfig closed, its listener running on; a memory
    # handler whose target the program sets later
    r = memline(py, "closed_handlers_running.py", "work", env={"MEMLINE_OUTPUT": "logging"},
                args=[mode])
    assert r.returncode == 0 and r.err == "", r
    assert r.out == "received 7 records, 1 of work's row\n", r


@per_interpreter
def test_sink_logging_reports_held_to_the_exit_go_out_in_order(py):
    r = memline(py, "held_order.py", "first,second,third", env={"MEMLINE_OUTPUT": "logging"})
    assert r.returncode == 0 and r.out == "", r
    reps = parse_reports(with_blank_lines(r.err.split("\n")), PREFIX)
    assert [rep.rows[rep.first][3].split("(")[0] for rep in reps] == [
        "def first", "def second", "def third"], r.err


@per_interpreter
def test_sink_logging_report_held_across_a_fork_is_logged_once(py):
    # held because it ended inside the program's logging handler; the
    # forked child, ending normally, logged its parent's report too
    r = memline(py, "fork_held.py", env={"MEMLINE_OUTPUT": "logging"})
    assert r.returncode == 0 and r.out == "child\nparent 0\n", r
    (rep,) = parse_reports(with_blank_lines(r.err.split("\n")), PREFIX)
    assert rep.filename == prog("fork_held.py") and sorted(rep.rows) == [13, 14, 15], rep


@per_interpreter
def test_sink_logging_report_of_a_thread_not_collecting_goes_to_logging(py):
    r = memline(py, "gc_other_thread.py", "work", {"MEMLINE_OUTPUT": "logging"})
    assert r.returncode == 0 and notices(r.err) == [], r
    assert r.out.startswith("LOG MainThread memory_profiler_logs: Filename: "), r
    assert r.out.endswith("\n100000\n") and r.err == "", r


@per_interpreter
@pytest.mark.parametrize("sink", ["stderr", "stdout", "logging", "file"])
def test_sink_leaves_gc_out_of_sys_modules(py, sink, tmp_path):
    plain = Result(subprocess.run([py, prog("sink_modules.py")], capture_output=True,
                                  timeout=60))
    out = "file:" + str(tmp_path / "r.log") if sink == "file" else sink
    r = memline(py, "sink_modules.py", env={"MEMLINE_OUTPUT": out})
    assert plain.out == "first 3000000\nsecond 3000000\nFalse\n", plain
    assert r.returncode == 0 and notices(r.err) == [], r
    text = {"stderr": r.err, "stdout": r.out}.get(sink)
    if sink == "logging":   # one record per non-blank line
        text = with_blank_lines([line for line in r.out.split("\n") if line.startswith(PREFIX)])
    elif sink == "file":
        text = (tmp_path / "r.log").read_text()
    assert len(parse_reports(text, PREFIX)) == 2, r
    own = [line for line in r.out.split("\n") if line and not line.startswith(PREFIX)]
    assert "\n".join(own) + "\n" == plain.out, r


@per_interpreter
def test_sink_blocking_pipe_that_stays_full_is_waited_for_5_seconds_once(py):
    # as a non-blocking one: 5 seconds, then the report is lost, and no
    # later report waits; nothing said, since stderr itself is what failed
    r = memline(py, "sink_full_pipe.py", env={"MEMLINE_OUTPUT": "stderr"})
    assert r.returncode == 0 and r.out == "thread done True\nmain 2000\n", r


@per_interpreter
def test_sink_character_device_that_never_polls_writable_is_written(py):
    # /dev/random takes writes at once but never polls writable here: taken
    # for a stream, its first report waited 5 seconds and every report was
    # lost, with a notice.  Only a terminal is a stream among devices.
    fd = os.open("/dev/random", os.O_WRONLY)
    try:
        p = select.poll()
        p.register(fd, select.POLLOUT)
        if p.poll(0):
            pytest.skip("/dev/random polls writable on this kernel")
    finally:
        os.close(fd)
    r = memline(py, "sink_work.py", env={"MEMLINE_OUTPUT": "file:/dev/random"})
    assert r.returncode == 0 and r.out == "first 3000000\nsecond 3000000\n", r
    assert r.err == "", r


@per_interpreter
def test_logging_sink_on_threads_c_made_leaves_threading_as_it_was(py):
    # records made on a thread threading never knew registered a
    # threading._DummyThread for it: 3.8-3.12 listed those in
    # threading.enumerate() for good, and every version gave the program's
    # next thread a later number (Thread-4, Thread-7 instead of Thread-1)
    args = [py, prog("foreign_logging.py"), target("cthreads.so")]
    plain = Result(run(args))
    r = Result(run(args, preload=True, env_extra={"MEMLINE_OUTPUT": "logging",
                                                  "MEMLINE_FUNCTIONS": "cbwork"}))
    assert plain.out.endswith(" 1 ['MainThread'] Thread-1\n") or plain.out.endswith(
        " 1 ['MainThread'] Thread-1 (<lambda>)\n"), plain
    assert r.returncode == 0 and notices(r.err) == [] and r.err == "", r
    own = [line for line in r.out.split("\n") if "|" + PREFIX not in line]
    assert "\n".join(own) == plain.out, r
    records = [line.partition("|")[2] for line in r.out.split("\n") if "|" + PREFIX in line]
    assert len(parse_reports(with_blank_lines(records), PREFIX)) == 6, r
