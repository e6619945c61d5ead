"""The launcher, and the Azure Functions demo end to end.

The demo (examples/azure-functions: the Microsoft docs' memory-profiling
example minus memory_profiler) runs in scripts/funchost, a Node.js stand-in
for Core Tools' `func host start` that drives a Python worker over gRPC
(Azure's azure-functions-runtime-v1 on 3.13; the worker's own reproduction
of it on 3.11 and 3.8).  It is started the way a user would start it:

    scripts/memline -f profile_get_request,get_microsoft_page_async -o logging \\
        --precision 3 -- scripts/funchost --port P examples/azure-functions

(--precision 3 only so that "at least the page's size" and "within 5 %" can
be checked to the kilobyte; the report is the same otherwise), with the app
settings pointing TARGET_URL at a local HTTPS server that serves a ~200 KB
page with a certificate made here.  200 requests alternate between the two
triggers; the host's console is parsed as a user reads it.  The run is made
three times per interpreter (VARIANTS: as above; with --async thread; with
the worker under PYTHONMALLOC=malloc), and every check holds for each.

Dependencies (venvs under build/azure-venv/, Node packages under
build/funchost-node/) are installed by scripts/setup-azure from a
session fixture; an interpreter that cannot be supported is skipped with
the reason.
"""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import time

import pytest

import azure_support as az
from azure_support import APP, FUNCHOST, LIB, MEMLINE, SETUP, PREFIX
from test_lines import near, parse_reports

MIB = 1048576
FUNCTIONS = "profile_get_request,get_microsoft_page_async"
REQUESTS = 200
SYNC_FILE = os.path.join(APP, "HttpTriggerSync", "__init__.py")
ASYNC_FILE = os.path.join(APP, "HttpTriggerAsync", "__init__.py")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MEMLINE_") and k != "LD_PRELOAD"
           and not k.startswith("FUNCHOST_")}
    env.update(extra)
    return env


# ---- 1. the launcher ----

def test_launcher_help():
    r = subprocess.run([MEMLINE, "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r
    assert r.stdout.startswith("usage: memline -f SELECTORS"), r.stdout
    for opt in ("-f, --functions", "-o, --output", "--logger", "--format",
                "--increments-only", "--precision", "--async", "--summary", "-h, --help"):
        assert opt in r.stdout, opt
    assert r.stderr == ""


@pytest.mark.parametrize("argv, message", [
    (["--bogus", "--", "true"], "memline: unknown option --bogus"),
    (["-f"], "memline: -f needs a value"),
    (["-f", "main"], "memline: no command given (put it after --)"),
    (["--", "true"], "memline: name the functions to profile with -f"),
])
def test_launcher_bad_usage(argv, message):
    r = subprocess.run([MEMLINE, *argv], capture_output=True, text=True, timeout=30,
                       env=clean_env())
    assert r.returncode == 2, r
    assert r.stdout == ""
    assert r.stderr.splitlines() == [message, "try 'memline --help'"], r.stderr


def test_launcher_command_not_found():
    # was the shell's "line 70: ...: No such file or directory"; a shell
    # keyword or builtin with no program of that name cannot be exec'd either
    for cmd in ("/nonexistent/prog", "no-such-command-here", "if"):
        r = subprocess.run([MEMLINE, "-f", "main", "--", cmd], capture_output=True, text=True,
                           timeout=30, env=clean_env())
        assert r.returncode == 127 and r.stdout == "", r
        assert r.stderr == "memline: no such command: %s\n" % cmd, r.stderr


@pytest.mark.parametrize("argv, option", [(["-o", "--", "ls"], "-o"),
                                          (["--format", "--", "ls"], "--format"),
                                          (["-f", "main", "-o", "--"], "-o")])
def test_launcher_value_is_never_the_end_of_options(argv, option):
    # -o took "--" as the output and ran "ls" as if it were the command
    r = subprocess.run([MEMLINE, *argv], capture_output=True, text=True, timeout=30,
                       env=clean_env())
    assert r.returncode == 2 and r.stdout == "", r
    assert r.stderr.splitlines() == ["memline: %s needs a value" % option,
                                     "try 'memline --help'"], r.stderr


def _env_of(r):
    return dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)


def test_launcher_takes_memline_functions_from_the_environment(lib):
    # the README: the launcher only sets the variables, so one already set
    # must do; -f overrides it
    for argv, want in ((["--"], "f"), (["-f", "g", "--"], "g")):
        r = subprocess.run([MEMLINE, *argv, "/usr/bin/env"], capture_output=True, text=True,
                           timeout=30, env=clean_env(MEMLINE_FUNCTIONS="f"))
        assert r.returncode == 0 and r.stderr == "", r
        assert _env_of(r)["MEMLINE_FUNCTIONS"] == want
        assert _env_of(r)["LD_PRELOAD"] == os.path.realpath(lib)
    r = subprocess.run([MEMLINE, "--", "true"], capture_output=True, text=True, timeout=30,
                       env=clean_env(MEMLINE_FUNCTIONS=""))
    assert r.returncode == 2, r
    assert r.stderr.splitlines()[0] == "memline: name the functions to profile with -f"


def test_launcher_puts_memline_before_an_allocator_already_preloaded(tmp_path):
    # it went last: glibc's malloc_debug, first, got every call, and
    # memline stood down ("malloc comes from ...")
    script = tmp_path / "alloc.py"
    script.write_text("def f():\n    x = bytearray(5_000_000)\n    return len(x)\n\n\n"
                      "print(f())\n")
    r = subprocess.run([MEMLINE, "-f", "f", "--", "/usr/bin/python3", str(script)],
                       capture_output=True, text=True, timeout=60,
                       env=clean_env(LD_PRELOAD="/lib/x86_64-linux-gnu/libc_malloc_debug.so.0",
                                     MEMLINE_FORMAT="%(message)s", MEMLINE_PRECISION="3"))
    assert r.returncode == 0 and r.stdout == "5000000\n", r
    assert "memline: " not in r.stderr, r.stderr
    reps = parse_reports(r.stderr)
    assert len(reps) == 1 and near(reps[0].inc(2), 5_000_000), r.stderr


@pytest.mark.parametrize("summary, ok", [("0", False), ("", False), ("yes", False),
                                         ("1", True), ("all", True)])
def test_launcher_summary_stands_in_for_functions_only_when_on(summary, ok):
    # MEMLINE_SUMMARY=0 was taken as a summary asked for
    r = subprocess.run([MEMLINE, "--", "/bin/sh", "-c", "echo ran"], capture_output=True,
                       text=True, timeout=30, env=clean_env(MEMLINE_SUMMARY=summary))
    if ok:
        assert r.returncode == 0 and r.stdout == "ran\n", r
    else:
        assert r.returncode == 2 and r.stdout == "", r
        assert r.stderr.splitlines() == ["memline: name the functions to profile with -f",
                                         "try 'memline --help'"], r.stderr


def test_launcher_command_not_executable(tmp_path):
    # was "no such command" (127); a shell says 126
    script = tmp_path / "t1.py"
    script.write_text("print(1)\n")
    for cmd in (str(script), str(tmp_path)):
        r = subprocess.run([MEMLINE, "-f", "main", "--", cmd], capture_output=True, text=True,
                           timeout=30, env=clean_env())
        assert r.returncode == 126 and r.stdout == "", r
        assert r.stderr == "memline: not executable: %s\n" % cmd, r.stderr
    r = subprocess.run([MEMLINE, "-f", "main", "--", "./t1.py"], capture_output=True, text=True,
                       timeout=30, env=clean_env(), cwd=str(tmp_path))
    assert r.returncode == 126 and r.stderr == "memline: not executable: ./t1.py\n", r


def test_launcher_installed_under_a_path_with_a_space(lib, tmp_path):
    # ld.so splits LD_PRELOAD at spaces: the program ran unprofiled, after
    # ld.so's own errors
    prefix = tmp_path / "some dir"
    for sub, src in (("bin/memline", MEMLINE), ("lib/libmemline.so", lib)):
        (prefix / sub).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, str(prefix / sub))
    r = subprocess.run([str(prefix / "bin" / "memline"), "-f", "main", "--", "/bin/echo", "ran"],
                       capture_output=True, text=True, timeout=30, env=clean_env())
    assert r.returncode == 2 and r.stdout == "", r
    assert r.stderr == ("memline: cannot preload %s/lib/libmemline.so: LD_PRELOAD splits paths "
                        "at spaces and colons (install memline under a path without them)\n"
                        % prefix), r.stderr


def test_make_install_under_a_path_with_a_space(lib, tmp_path):
    # the unquoted install rule made "/tmp/some" and "dir/lib"
    prefix = str(tmp_path / "some dir")
    r = subprocess.run(["make", "-C", az.ROOT, "--no-print-directory", "install",
                        "PREFIX=" + prefix], capture_output=True, text=True, timeout=300,
                       env=clean_env())
    assert r.returncode == 2, r
    assert r.stderr.splitlines()[0] == (
        "make install: PREFIX=%s has a space or a colon, where LD_PRELOAD would split the "
        "library's path" % prefix), r.stderr
    assert os.listdir(str(tmp_path)) == []
    # a staging DESTDIR may have one
    stage = str(tmp_path / "st age")
    r = subprocess.run(["make", "-C", az.ROOT, "--no-print-directory", "install",
                        "DESTDIR=" + stage, "PREFIX=/opt/memline"], capture_output=True,
                       text=True, timeout=300, env=clean_env())
    assert r.returncode == 0, r
    for path in ("bin/memline", "lib/libmemline.so"):
        assert os.access(os.path.join(stage, "opt/memline", path), os.X_OK), path


def test_launcher_puts_itself_first_in_ld_preload(lib):
    other = glob.glob("/lib/x86_64-linux-gnu/libm.so.6") or glob.glob("/usr/lib/*/libm.so.6")
    assert other, "no libm.so.6 to preload first"
    r = subprocess.run([MEMLINE, "-f", "main", "-o", "logging", "--", "/usr/bin/env"],
                       capture_output=True, text=True, timeout=30,
                       env=clean_env(LD_PRELOAD=other[0]))
    assert r.returncode == 0, r
    env = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    assert env["LD_PRELOAD"] == os.path.realpath(lib) + ":" + other[0]
    assert env["MEMLINE_FUNCTIONS"] == "main" and env["MEMLINE_OUTPUT"] == "logging"
    r = subprocess.run([MEMLINE, "-f", "main", "--", "/usr/bin/env"], capture_output=True,
                       text=True, timeout=30, env=clean_env())
    assert re.search(r"^LD_PRELOAD=%s$" % re.escape(os.path.realpath(lib)), r.stdout, re.M)


# ---- interpreters and their venvs ----

def _find(pattern):
    found = sorted(glob.glob(pattern))
    return found[-1] if found else None


PYENV = os.environ.get("PYENV_ROOT", "/root/.pyenv")
INTERPRETERS = [
    # id, python: Azure's runtime library on 3.13; the worker's own dispatch
    # on Debian's python3 (3.11) and 3.8
    ("py3.13", _find(PYENV + "/versions/3.13*/bin/python3")),
    ("system3.11", "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else None),
    ("py3.8", _find(PYENV + "/versions/3.8*/bin/python3")),
]
per_interpreter = pytest.mark.parametrize(
    "interp", INTERPRETERS, ids=[i[0] for i in INTERPRETERS], indirect=True)
# The acceptance run is made three times per interpreter: "own", as the
# Azure user's one line starts it (MEMLINE_ASYNC=own, the default);
# "thread", with --async thread, the mode that puts what the event loop
# allocates for a waiting coroutine (aiohttp's C parser, ssl) on its await
# lines; and "exact", as "own" with the worker under PYTHONMALLOC=malloc, so
# that Python's small objects count by their size rather than as pymalloc
# arena steps (README, "What is counted").
VARIANTS = ("own", "thread", "exact")
per_mode = pytest.mark.parametrize("variant", VARIANTS, indirect=True)

_venvs = {}


def setup_venv(python):
    """scripts/setup-azure PYTHON -> the venv's python, or pytest.skip."""
    if python in _venvs:
        kind, value = _venvs[python]
    else:
        r = subprocess.run([SETUP, python], capture_output=True, text=True, timeout=900,
                           env=clean_env())
        if r.returncode == 0:
            kind, value = "ok", r.stdout.split()[-1]
        elif r.returncode == 3:
            kind, value = "skip", r.stderr.strip()
        else:
            kind, value = "fail", "scripts/setup-azure %s failed (%d):\n%s%s" % (
                python, r.returncode, r.stdout, r.stderr)
        _venvs[python] = (kind, value)
    if kind == "skip":
        pytest.skip(value)
    if kind == "fail":
        pytest.fail(value)
    return value


@pytest.fixture(scope="session")
def node_deps():
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed: the stand-in host needs it")
    r = subprocess.run([SETUP, "--node-only"], capture_output=True, text=True, timeout=600,
                       env=clean_env())
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="session")
def interp(request, node_deps):
    name, python = request.param
    if python is None:
        pytest.skip("no %s interpreter on this machine" % name)
    venv_python = setup_venv(python)
    version = subprocess.run([venv_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # What runs the functions: Azure's runtime where PyPI has it.
    library = ("azure_functions_runtime_v1" if tuple(map(int, version.split("."))) >= (3, 13)
               else "funcworker.v1compat")
    return name, venv_python, library, version


@pytest.fixture(scope="session")
def page_server(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed (scripts/setup-azure installs it on Debian)")
    srv = az.PageServer(str(tmp_path_factory.mktemp("https")), az.make_page())
    yield srv
    srv.close()


# ---- 2-4. the demo under memline ----

class Run:
    pass


def start_host(venv_python, page_server, tmp_path, memline_args, tag, **extra_env):
    port = az.free_port()
    transcript = str(tmp_path / ("transcript-%s.jsonl" % tag))
    env = clean_env(FUNCHOST_PYTHON=venv_python, FUNCHOST_TRANSCRIPT=transcript,
                    FUNCWORKER_GC_LOG=str(tmp_path / ("gc-%s.log" % tag)),
                    **page_server.app_env(), **extra_env)
    argv = [FUNCHOST, "--port", str(port), "examples/azure-functions"]
    if memline_args is not None:
        argv = [MEMLINE, *memline_args, "--"] + argv
    host = az.Host(argv, env, transcript)
    try:
        host.wait_ready()
    except BaseException:
        host.stop()
        raise
    host.port = port
    return host


def drive_one(host, kind):
    fn = "HttpTriggerSync" if kind == "sync" else "HttpTriggerAsync"
    status, body = az.get(host.port, "/api/" + fn)
    return kind, status, body


def drive(host, n, kinds=("sync", "async")):
    """n sequential requests cycling through `kinds`; [(kind, status, body)]."""
    return [drive_one(host, kinds[i % len(kinds)]) for i in range(n)]


_runs = {}


@pytest.fixture(scope="session")
def variant(request):
    return request.param


@pytest.fixture(scope="session")
def demo(interp, variant, page_server, tmp_path_factory):
    """The acceptance run, once per interpreter and variant (VARIANTS):
    REQUESTS requests under the launcher; everything the checks below need,
    collected after the host and worker have stopped."""
    name, venv_python, library, version = interp
    if (name, variant) in _runs:
        return _runs[name, variant]
    tmp = tmp_path_factory.mktemp("demo-%s-%s" % (name, variant))
    hits0 = page_server.hits
    t0 = time.monotonic()
    args = ["-f", FUNCTIONS, "-o", "logging", "--precision", "3"]
    if variant == "thread":
        args += ["--async", "thread"]
    extra = {"PYTHONMALLOC": "malloc"} if variant == "exact" else {}
    host = start_host(venv_python, page_server, tmp, args, "memline", **extra)
    run = Run()
    run.name, run.library, run.version = name, library, version
    run.mode = "thread" if variant == "thread" else "own"
    run.exact = variant == "exact"
    # pymalloc's arena: what one line may show when it hands one back
    run.arena_mib = 0.25 if tuple(map(int, version.split("."))) < (3, 10) else 1.0
    try:
        run.startup = time.monotonic() - t0
        run.worker_pid = host.worker_pid()
        run.host_maps = host.maps()
        run.worker_maps = host.maps(run.worker_pid) if run.worker_pid else ""
        cpu0 = host.cpu_seconds()
        t1 = time.monotonic()
        run.responses = drive(host, REQUESTS)
        run.elapsed = time.monotonic() - t1
        run.host_cpu = host.cpu_seconds() - cpu0
        # Reports reach the host before the invocation's response (one
        # stream, in order); wait a little anyway for the last lines.
        host.wait_for(lambda ls: sum(l.endswith(PREFIX + "Filename: " + SYNC_FILE) or
                                     l.endswith(PREFIX + "Filename: " + ASYNC_FILE)
                                     for l in ls) >= REQUESTS,
                      30, "%d reports" % REQUESTS)
        time.sleep(0.5)
    finally:
        host.stop()
    run.console = list(host.lines)
    with open(str(tmp / "gc-memline.log")) as f:
        run.collections = f.read().splitlines()
    run.records = host.records()
    run.hits = page_server.hits - hits0
    run.page = page_server.page
    run.reports = az.parse_reports(az.report_messages(run.console))
    print("\n[%s, %s] startup %.1f s, %d requests in %.1f s (%.0f ms each), host CPU %.2f s"
          % (name, variant, run.startup, REQUESTS, run.elapsed,
             1000 * run.elapsed / REQUESTS, run.host_cpu))
    _runs[name, variant] = run
    return run


def expected_body(kind, page):
    if kind == "sync":
        return "Microsoft Page Response Size: %d" % len(page)
    return "Microsoft Page Is Loaded: %d characters" % len(page)


def source_lines(path, first, last):
    with open(path) as f:
        lines = f.read().splitlines()
    return {n: lines[n - 1] for n in range(first, last + 1)}


def function_span(path, name):
    """First and last line of a top-level function in the app's source."""
    with open(path) as f:
        lines = f.read().splitlines()
    first = next(i for i, l in enumerate(lines, 1) if re.match(r"(async )?def %s\(" % name, l))
    last = first
    for i in range(first + 1, len(lines) + 1):
        if lines[i - 1].strip() and not lines[i - 1].startswith((" ", "\t")):
            break
        if lines[i - 1].strip():
            last = i
    return first, last


def lineno(rep, text):
    return next(n for n, r in rep.rows.items() if r[3].strip() == text)


def reports_of(run, function):
    return [r for r in run.reports if r.function == function]


@per_interpreter
@per_mode
def test_responses(demo):
    assert len(demo.responses) == REQUESTS
    bad = [(i, r) for i, r in enumerate(demo.responses, 1)
           if r[1] != 200 or r[2] != expected_body(r[0], demo.page)]
    assert not bad, bad[:5]
    assert demo.hits == REQUESTS          # every invocation really fetched the page


@per_interpreter
@per_mode
def test_library_that_ran_the_functions(demo):
    inits = [l for l in demo.console if "Worker process started and initialized" in l]
    assert len(inits) == 1, inits
    assert "(Python %s," % demo.version in inits[0], inits[0]
    assert demo.library in inits[0], inits[0]


def check_complete(reports, each):
    """`each` reports of each function, every one whole: the function's
    rows in order, their source text, every line run."""
    for path, name in ((SYNC_FILE, "profile_get_request"),
                       (ASYNC_FILE, "get_microsoft_page_async")):
        reps = [r for r in reports if r.function == name]
        assert len(reps) == each, (name, len(reps))
        first, last = function_span(path, name)
        src = source_lines(path, first, last)
        for rep in reps:
            assert rep.filename == path
            assert rep.header and rep.rule, rep
            assert sorted(rep.rows) == list(range(first, last + 1)), rep
            for n, (mem, inc, occ, text) in rep.rows.items():
                assert text == src[n], (n, text)
                assert mem is not None and occ >= 1, ("line %d did not run?" % n, rep)
            # Lines that allocate nothing show nothing, although grpcio's
            # native threads allocate all the time in this process.
            assert rep.rows[first][1] == 0.0, rep
            assert rep.rows[last][1] == 0.0, rep


@per_interpreter
@per_mode
def test_one_complete_report_per_invocation(demo):
    assert len(demo.reports) == REQUESTS
    check_complete(demo.reports, REQUESTS // 2)


@per_interpreter
def test_concurrent_requests(interp, page_server, tmp_path):
    """As in production, requests overlap: 80, eight at a time, so that
    sync invocations run on several pool threads at once and async ones
    wait on the loop together.  Every response is right and every
    invocation's report is whole, its lines together (each is one logging
    call), however the invocations interleaved."""
    name, venv_python = interp[:2]
    host = start_host(venv_python, page_server, tmp_path,
                      ["-f", FUNCTIONS, "-o", "logging", "--precision", "3"], "concurrent")
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda i: drive_one(host, ("sync", "async")[i % 2]),
                                      range(80)))
        host.wait_for(lambda ls: sum(m.startswith("Filename: ")
                                     for m in az.report_messages(ls)) >= 80,
                      30, "80 reports")
    finally:
        host.stop()
    bad = [r for r in responses if r[1] != 200 or r[2] != expected_body(r[0], page_server.page)]
    assert not bad, bad[:5]
    threads = {m.group(1) for m in (re.search(r"\] HttpTriggerSync runs on thread (.+)\.$", l)
                                     for l in host.lines) if m}
    print("[%s] sync invocations ran on %d pool threads" % (name, len(threads)))
    reports = az.parse_reports(az.report_messages(host.lines))
    assert len(reports) == 80
    check_complete(reports, 40)


def check_shortfalls(demo, short, expected_mib, lines):
    """`short`: the row totals, one per report, that fell short of
    `expected_mib`.  Under PYTHONMALLOC=malloc (the "exact" run) each one
    is matched by a cyclic collection the worker logged on one of those
    lines.  Under pymalloc, what a collection frees of small objects stays
    in their arenas, and a line shows a drop when the arena it empties goes
    back to the system: none is more than one arena short."""
    collected = [c for c in demo.collections if c.split()[0] in lines]
    print("[%s] %d of the reports short of %.3f MiB: %r; %d collections logged on %s"
          % (demo.name, len(short), expected_mib, short, len(collected), lines))
    if demo.exact:
        assert len(short) <= len(collected), (short, demo.collections)
    else:
        assert all(t + demo.arena_mib + 0.0005 >= expected_mib for t in short), short


@per_interpreter
@per_mode
def test_sync_native_bytes_land_on_the_calling_line(demo):
    """requests -> urllib3 -> ssl/socket: the page the native ssl module
    reads lands on `response = requests.get(url)` in every report.  The
    Increment is net: a report in which it is short of the page is one
    during whose requests.get the cyclic garbage collector ran on that
    thread and freed what earlier invocations left in reference cycles
    (asyncio's and aiohttp's objects; the worker logs such collections),
    or, under pymalloc, one in which an arena went back to the system."""
    page_mib = len(demo.page) / MIB
    reps = reports_of(demo, "profile_get_request")
    incs = [rep.row("response = requests.get(url)")[1] for rep in reps]
    short = [inc for inc in incs if inc + 0.0005 < page_mib]
    line = lineno(reps[0], "response = requests.get(url)")
    check_shortfalls(demo, short, page_mib, ["profile_get_request:%d" % line])


@per_interpreter
@per_mode
def test_async_report_and_return_value(demo):
    """The coroutine's report is complete and its caller got the real
    return value (the body says how long the text it returned was).  Under
    MEMLINE_ASYNC=own the text it builds is in the report: the rows of
    `async with client.get(url)` and `await response.text()` carry it,
    mostly the latter; the bytes asyncio's SSL transport reads for it while
    the coroutine waits are not (they are under --async thread, below).
    The rows are net (a transient buffer the first allocates may be freed
    on the second), so the two together are checked, as the sync trigger's
    row is (check_shortfalls)."""
    page_mib = len(demo.page) / MIB
    reps = reports_of(demo, "get_microsoft_page_async")
    rows = ("async with client.get(url) as response:", "page = await response.text()")
    assert all(r[2] == expected_body("async", demo.page)
               for r in demo.responses if r[0] == "async")
    if demo.mode == "thread":
        # What the loop allocated for the coroutine while it waited (the
        # body aiohttp's C parser cut from what ssl decrypted) is on these
        # await rows too: at least the page in every report, the first
        # included (test_async_native_bytes_in_thread_mode: twice the page
        # once warmed up).
        totals = [sum(rep.row(text)[1] for text in rows) for rep in reps]
        print("[%s] async rows under --async thread: %.3f to %.3f MiB, page %.3f MiB"
              % (demo.name, min(totals), max(totals), page_mib))
        assert min(totals) + 0.0005 >= page_mib, (totals, page_mib)
        return
    totals = [sum(rep.row(text)[1] for text in rows) for rep in reps]
    short = [t for t in totals if t + 0.0005 < page_mib]
    check_shortfalls(demo, short, page_mib,
                     ["get_microsoft_page_async:%d" % lineno(reps[0], text) for text in rows])


@per_interpreter
@per_mode
def test_reports_come_through_the_root_handler(demo):
    """Every report line reached the host as an RpcLog from the worker's
    root handler (category = the record's logger name, message with the
    prefix already in it), none through the worker's console."""
    rpc = [r for r in demo.records if r["kind"] == "rpc_log"
           and r["message"].startswith(PREFIX)]
    console = [r for r in demo.records if r["kind"] == "console" and PREFIX in r["line"]]
    printed = az.report_messages(demo.console)
    assert not console, console[:3]
    assert [r["message"][len(PREFIX):] for r in rpc] == printed
    assert {(r["category"], r["log_category"], r["level"]) for r in rpc} == {
        ("memory_profiler_logs", "User", "Information")}
    assert all(r["invocation_id"] for r in rpc)


@per_interpreter
@per_mode
def test_worker_memory_is_stable(demo):
    """Live memory at entry (first row's Mem usage) of request 200 is within
    5 % of request 20's: requests alternate sync/async, so request 20 is
    the 10th async report and request 200 the 100th (19 and 199 for sync)."""
    for name in ("get_microsoft_page_async", "profile_get_request"):
        reps = reports_of(demo, name)
        early, late = reps[9].entry_mem, reps[99].entry_mem
        print("[%s] %s: entry Mem usage %.3f MiB at its 10th call, %.3f MiB at its 100th"
              % (demo.name, name, early, late))
        assert abs(late - early) <= 0.05 * early, (name, early, late)


@per_interpreter
@per_mode
def test_sync_functions_run_on_the_thread_pool(demo):
    threads = {"sync": [], "async": []}
    for line in demo.console:
        m = re.search(r"\] HttpTrigger(Sync|Async) runs on thread (.+)\.$", line)
        if m:
            threads[m.group(1).lower()].append(m.group(2))
    assert len(threads["sync"]) == len(threads["async"]) == REQUESTS // 2
    assert all(re.fullmatch(r"ThreadPoolExecutor-\d+_\d+", t) for t in threads["sync"]), \
        set(threads["sync"])
    assert set(threads["async"]) == {"MainThread"}


@per_interpreter
@per_mode
def test_host_is_not_python_and_prints_nothing_of_memline(demo, lib):
    """LD_PRELOAD reached both processes; the host (Node.js) stays silent."""
    real = os.path.realpath(lib)
    assert real in demo.host_maps and real in demo.worker_maps
    assert "libpython" not in demo.host_maps
    assert demo.worker_pid
    for line in demo.console:
        body = az.TS_RE.match(line).group(2) if az.TS_RE.match(line) else line
        assert not body.startswith("memline"), line
        if PREFIX.strip() in line:
            assert az.TS_RE.match(line) and body.startswith(PREFIX), line


@pytest.mark.skipif(os.environ.get("MEMLINE_BENCH_HOST") != "1",
                    reason="a benchmark (timing), not a test: run scripts/bench-host")
@pytest.mark.parametrize("interp", INTERPRETERS[:1], ids=[INTERPRETERS[0][0]], indirect=True)
def test_host_is_not_slowed(interp, page_server, tmp_path, lib):
    """Benchmark, run by scripts/bench-host.  The host's own CPU time (utime+stime of the Node.js process) for the
    same 200 requests with memline preloaded into it (A: the launcher, as
    above) and not (B: only the worker preloaded, through a wrapper given
    as FUNCHOST_PYTHON): the same workload and the same reports to print,
    so any difference is memline's cost in a non-Python process.  Two
    rounds, interleaved, best of each."""
    name, venv_python = interp[:2]
    wrapper = tmp_path / "python-with-memline"
    wrapper.write_text('#!/bin/sh\nLD_PRELOAD=%s exec %s "$@"\n' % (lib, venv_python))
    wrapper.chmod(0o755)
    real = os.path.realpath(lib)

    def measure(preloaded_host):
        if preloaded_host:
            host = start_host(venv_python, page_server, tmp_path,
                              ["-f", FUNCTIONS, "-o", "logging", "--precision", "3"], "A")
        else:
            env = clean_env(FUNCHOST_PYTHON=str(wrapper), MEMLINE_FUNCTIONS=FUNCTIONS,
                            MEMLINE_OUTPUT="logging", MEMLINE_PRECISION="3",
                            **page_server.app_env())
            host = az.Host([FUNCHOST, "--port", str(az.free_port()),
                            "examples/azure-functions"], env)
            host.port = int(host.argv[2])
        try:
            host.wait_ready()
            assert (real in host.maps()) == preloaded_host
            assert real in host.maps(host.worker_pid())
            cpu0 = host.cpu_seconds()
            responses = drive(host, REQUESTS)
            cpu = host.cpu_seconds() - cpu0
        finally:
            host.stop()
        assert all(r[1] == 200 for r in responses)
        assert len(az.parse_reports(az.report_messages(host.lines))) == REQUESTS
        return cpu

    a, b = [], []
    for _ in range(2):
        a.append(measure(True))
        b.append(measure(False))
    ratio = min(a) / min(b)
    print("\nhost CPU for %d requests: with memline preloaded %s s, without %s s; "
          "best-of ratio %.2f" % (REQUESTS, ["%.2f" % x for x in a], ["%.2f" % x for x in b],
                                  ratio))
    # Run-to-run noise of a Node.js process's CPU time here is ~10 %.
    assert ratio < 1.2, (a, b)


@per_interpreter
def test_async_native_bytes_in_thread_mode(interp, page_server, tmp_path):
    """With --async thread, what the event loop's thread allocates while the
    coroutine waits at an await counts on that await's line.  The response
    body is read by asyncio's SSL transport through the native ssl module
    while the coroutine waits, mostly in `await response.text()` (whatever
    came with the headers, in `async with client.get(url)`): the two await
    rows together carry the body's bytes and the text built from them, at
    least twice the page."""
    name, venv_python = interp[:2]
    host = start_host(venv_python, page_server, tmp_path,
                      ["-f", FUNCTIONS, "-o", "logging", "--precision", "3",
                       "--async", "thread"], "thread")
    try:
        responses = drive(host, 10, kinds=("async",))
    finally:
        host.stop()
    assert all(r[1] == 200 and r[2] == expected_body("async", page_server.page)
               for r in responses), responses
    reps = az.parse_reports(az.report_messages(host.lines))
    assert len(reps) == 10
    page_mib = len(page_server.page) / MIB
    for rep in reps[1:]:                  # the first call also warms things up
        inc = (rep.row("async with client.get(url) as response:")[1] +
               rep.row("page = await response.text()")[1])
        assert inc + 0.001 >= 2 * page_mib, (inc, rep)
