"""The driver of scripts/bench-lines (see that script for what it measures).

Run by /usr/bin/python3; every measured process is the interpreter under
test (its venv's python, so memory_profiler, Memray, requests and aiohttp
are importable), started through run.py in this directory.
"""
import argparse
import concurrent.futures
import glob
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LIB = os.path.join(ROOT, "build", "libmemline.so")
# What is preloaded: a copy of LIB taken at start (main), so that a rebuild
# while the benchmark runs cannot mix two builds into one set of figures.
PRELOAD = LIB
VENVS = os.path.join(ROOT, "build", "bench-venv")
RUN = os.path.join(HERE, "run.py")
NEVER = "some_function_that_never_runs"

# name, file, hot function(s), full SCALE, --quick SCALE, what SCALE counts
WORKLOADS = [
    ("1 churn", "w1_churn.py", "hot", 160, 16, "rounds"),
    ("2 native", "w2_native.py", "hot", 40, 4, "rounds"),
    ("3 seed http", "w3_seed.py", "profile_get_request,get_page_async", 300, 30, "requests x2"),
    ("4 calls", "w4_calls.py", "hot", 6000, 600, "k iterations x2 calls"),
]

TOOLS = ["memline", "unsel", "mprof", "tmalloc", "memray"]
HEAD = {"bare": "bare s", "memline": "memline", "unsel": "unselected",
        "mprof": "memory_profiler", "tmalloc": "tracemalloc", "memray": "memray"}

OTHERS = ("mprof", "tmalloc", "memray")   # best of min(repeat, 3) only

# --instructions: each workload at two small sizes (SCALE and twice that),
# counted by valgrind's callgrind, which a busy machine cannot disturb
IR_SCALE = {"w1_churn.py": 4, "w2_native.py": 2, "w3_seed.py": 10, "w4_calls.py": 200}
IR_KINDS = ["bare", "memline", "unsel", "tmalloc"]
VALGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]

ERRORS = []     # (python, what, detail): printed at the end


def log(msg):
    print(msg, flush=True)


def note_error(py, what, detail):
    ERRORS.append((py, what, detail))
    log("    !! %s: %s" % (what, detail.strip().splitlines()[-1] if detail.strip() else "?"))


# ---- processes ----------------------------------------------------------------

def clean_env():
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.startswith("MEMLINE_")
           and not k.startswith("PYTHON") and "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


class Result:
    def __init__(self, wall, cpu, rss_kib, rc, out, err, timed_out):
        self.wall, self.cpu, self.rss_kib = wall, cpu, rss_kib
        self.rc, self.out, self.err, self.timed_out = rc, out, err, timed_out


def run(cmd, env, timeout, cwd=None, rss=False):
    """Runs cmd once: wall seconds, cpu seconds (os.wait4), its exit status
    and output, and with rss=True its peak RSS in KiB, through
    `/usr/bin/time -f %M`: wait4's ru_maxrss of a child of this process
    would start at this process's own RSS (Linux carries the pre-exec
    high-water mark over an exec), while time's child starts from time's
    ~2 MiB.  On timeout the process group it leads is killed."""
    if rss:
        rss_file = tempfile.NamedTemporaryFile(prefix="bench-lines-rss.", delete=False).name
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + list(cmd)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                             cwd=cwd, start_new_session=True)
        fired = []

        def kill():
            fired.append(1)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
            else (-(status & 0x7f) if status & 0x7f else status >> 8)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode(errors="replace")
        err = fe.read().decode(errors="replace")
    peak = None
    if rss:
        with open(rss_file) as f:
            lines = f.read().split()
        os.unlink(rss_file)
        if lines and lines[-1].isdigit():
            peak = int(lines[-1])
    return Result(wall, ru.ru_utime + ru.ru_stime, peak, p.returncode, out, err,
                  bool(fired))


# ---- venvs --------------------------------------------------------------------

def pip_reason(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in lines:
        if l.startswith("ERROR:"):
            return l[6:].strip()[:160]
    return (lines[-1] if lines else "pip failed")[:160]


def setup_venv(py, ver, used):
    """build/bench-venv/<ver>/ with memory_profiler, requests, aiohttp and
    memray, each of the last two optional.  A stamp file remembers what was
    installed, so a second run starts at once."""
    key = ver
    while key in used:
        key += "-" + ("system" if py.startswith("/usr/") else "b")
    used.add(key)
    venv = os.path.join(VENVS, key)
    vpy = os.path.join(venv, "bin", "python")
    stamp = os.path.join(venv, "bench-lines.json")
    if os.path.exists(stamp) and os.path.exists(vpy):
        with open(stamp) as f:
            st = json.load(f)
        if st.get("python") == os.path.realpath(py):
            return vpy, st
        shutil.rmtree(venv)
    elif os.path.exists(venv):
        shutil.rmtree(venv)
    log("  creating %s (python -m venv, pip install ...)" % os.path.relpath(venv, ROOT))
    p = subprocess.run([py, "-m", "venv", venv], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("python -m venv failed: %s" % pip_reason(p.stderr + p.stdout))
    st = {"python": os.path.realpath(py)}
    pip = [vpy, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    p = subprocess.run(pip + ["memory_profiler", "requests"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("pip install memory_profiler requests failed: %s"
                           % pip_reason(p.stderr + p.stdout))
    for pkg in ("aiohttp", "memray"):
        p = subprocess.run(pip + [pkg], capture_output=True, text=True)
        if p.returncode == 0:
            q = subprocess.run([vpy, "-c", "import %s; print(%s.__version__)" % (pkg, pkg)],
                               capture_output=True, text=True)
            st[pkg] = q.stdout.strip() if q.returncode == 0 else None
            if q.returncode != 0:
                st[pkg + "_why"] = "installed but import fails: %s" % pip_reason(q.stderr)
        else:
            st[pkg] = None
            st[pkg + "_why"] = "pip: %s" % pip_reason(p.stderr + p.stdout)
    q = subprocess.run([vpy, "-c", "import memory_profiler as m; print(m.__version__)"],
                       capture_output=True, text=True)
    st["memory_profiler"] = q.stdout.strip()
    with open(stamp, "w") as f:
        json.dump(st, f)
    return vpy, st


# ---- one workload on one interpreter --------------------------------------------

def ratio_cell(t, bare, timed_out=False, limit=None):
    if t is None:
        return "ERR"
    if timed_out:
        return ">%.0fx" % (limit / bare)
    return "%.2fx" % (t / bare)


def ir_of(r):
    """Instructions callgrind counted in a run, or None (failed, timed out)."""
    if r.timed_out or r.rc != 0 or r.wall is None:
        return None
    m = re.search(r"Collected : (\d+)", r.err)
    if not m:
        note_error("valgrind", "callgrind", "no instruction count in:\n" + r.err[-1500:])
        return None
    return int(m.group(1))


def calls_of(out):
    m = re.search(r"^calls (\d+)$", out, re.M)
    return int(m.group(1)) if m else None


def count_reports(path):
    try:
        with open(path, errors="replace") as f:
            return sum(1 for l in f if ": Filename: " in l)
    except FileNotFoundError:
        return 0


class Bench:
    def __init__(self, a, py, vpy, st, tmp):
        self.a, self.py, self.vpy, self.st, self.tmp = a, py, vpy, st, tmp
        self.env = clean_env()
        if a.instructions:      # str and dict work the same in every run
            self.env["PYTHONHASHSEED"] = "0"
        self.has_memray = bool(st.get("memray"))
        self.n = 0

    def tmpfile(self, suffix):
        self.n += 1
        return os.path.join(self.tmp, "%d%s" % (self.n, suffix))

    def config(self, kind, wfile, hot, scale):
        """(cmd, env, report file or None) of one configuration; under
        valgrind with --instructions."""
        cmd, env, rep = self.config_bare(kind, wfile, hot, scale)
        if self.a.instructions:
            cmd = VALGRIND + cmd
        return cmd, env, rep

    def config_bare(self, kind, wfile, hot, scale):
        w = os.path.join(HERE, wfile)
        args = [w, hot, str(scale)]
        env = dict(self.env)
        rep = None
        if kind in ("memline", "unsel"):
            rep = self.tmpfile(".log")
            env.update(LD_PRELOAD=PRELOAD, MEMLINE_OUTPUT="file:" + rep,
                       MEMLINE_FUNCTIONS=hot if kind == "memline" else NEVER)
        if kind == "tmalloc":
            return [self.vpy, RUN, "tracemalloc"] + args, env, None
        if kind == "mprof":
            return [self.vpy, RUN, "mprof"] + args, env, None
        if kind == "memray":
            return [self.vpy, "-m", "memray", "run", "-q", "-o", self.tmpfile(".bin"),
                    "--force", RUN, "plain"] + args, env, None
        return [self.vpy, RUN, "plain"] + args, env, rep

    def once(self, kind, wfile, hot, scale, want, timeout):
        """One run, checked: exit status, the workload's output, and for
        memline the reports written (selected: one per call; unselected:
        none, and the notice that proves memline was there)."""
        cmd, env, rep = self.config(kind, wfile, hot, scale)
        r = run(cmd, env, timeout, rss=True)
        label = "%s %s scale %d" % (wfile, kind, scale)
        if kind == "memray":
            cap = cmd[cmd.index("-o") + 1]
            if not r.timed_out and r.rc == 0 and not (os.path.exists(cap)
                                                      and os.path.getsize(cap) > 0):
                note_error(self.py, label, "memray wrote no capture file")
            if os.path.exists(cap):
                os.unlink(cap)
        if r.timed_out:
            return r
        if r.rc != 0:
            note_error(self.py, label, "exit %s\n%s" % (r.rc, r.err[-2000:]))
            r.wall = None
            return r
        if want is not None and r.out != want:
            note_error(self.py, label, "output differs from the bare run:\n%s" % r.out)
            r.wall = None
            return r
        r.reports = None
        if rep is not None:
            r.reports = count_reports(rep)
            calls = calls_of(r.out)
            if kind == "memline" and r.reports != calls:
                note_error(self.py, label, "%s reports written for %s calls" % (r.reports, calls))
            if kind == "unsel":
                if r.reports:
                    note_error(self.py, label, "%d reports written, none selected" % r.reports)
                if NEVER not in r.err:
                    note_error(self.py, label, "no notice about %s on stderr: memline did not "
                               "run?\n%s" % (NEVER, r.err))
            if os.path.exists(rep):
                os.unlink(rep)
            other = [l for l in r.err.splitlines() if l.startswith("memline") and NEVER not in l]
            if other:
                note_error(self.py, label, "memline said: %s" % " | ".join(other))
        return r

    def best_of(self, kinds, wfile, hot, scale, want, repeat, timeout):
        """Best (minimum) wall time, cpu and peak RSS of each kind over repeat
        interleaved runs (the other tools': min(repeat, 3)); the order
        rotates each round so drift hits all alike.  A kind that timed out
        once is not run again."""
        res = {k: {"wall": math.inf, "cpu": math.inf, "rss": math.inf, "timeout": False,
                   "err": False, "reports": []} for k in kinds}
        for i in range(repeat):
            order = kinds[i % len(kinds):] + kinds[:i % len(kinds)]
            for k in order:
                d = res[k]
                if d["timeout"] or d["err"] or (k in OTHERS and i >= min(repeat, 3)):
                    continue
                r = self.once(k, wfile, hot, scale, want, timeout)
                if r.timed_out:
                    d["timeout"] = True
                    continue
                if r.wall is None:
                    d["err"] = True
                    continue
                d["wall"] = min(d["wall"], r.wall)
                d["cpu"] = min(d["cpu"], r.cpu)
                if r.rss_kib is not None:
                    d["rss"] = min(d["rss"], r.rss_kib / 1024.0)
                if getattr(r, "reports", None) is not None:
                    d["reports"].append(r.reports)
        return res

    def workload(self, name, wfile, hot, scale, unit):
        a = self.a
        log("  %s: %s (%d %s)" % (name, wfile, scale, unit))
        # untimed warm-up and the reference output
        r = self.once("bare", wfile, hot, scale, None, a.timeout * 4)
        if r.wall is None or r.timed_out:
            note_error(self.py, wfile + " bare", "the bare run failed")
            return None
        want = r.out
        extra = [l for l in want.splitlines() if l.startswith("aiohttp")]
        kinds = ["bare", "memline", "unsel", "tmalloc"] + (["memray"] if self.has_memray else [])
        limit = max(a.timeout, 20 * r.wall)
        res = self.best_of(kinds, wfile, hot, scale, want, a.repeat, limit)
        res["limit"] = limit
        res["calls"] = calls_of(want)
        res["extra"] = extra
        res["mprof"] = self.mprof(wfile, hot, scale, res["bare"]["wall"])
        return res

    def mprof(self, wfile, hot, scale, bare_full):
        """memory_profiler at a size whose run takes about --mprof-budget
        seconds: a probe at 1/64 of the size (at least 1) estimates the full
        run; then best of min(repeat, 3) mprof runs and best of repeat bare
        runs at that size, each capped at --timeout."""
        a = self.a
        probe = max(1, scale // 64)
        r = self.once("mprof", wfile, hot, probe, None, a.timeout)
        if r.timed_out:
            b = self.once("bare", wfile, hot, probe, None, a.timeout)
            return {"scale": probe, "timeout": True, "wall": None,
                    "bare": b.wall, "limit": a.timeout}
        if r.wall is None:
            return {"scale": probe, "err": True}
        est = r.wall * scale / probe
        size = scale if est <= a.mprof_budget else max(1, int(scale * a.mprof_budget / est))
        b = self.once("bare", wfile, hot, size, None, a.timeout)
        if b.wall is None:
            return {"scale": size, "err": True}
        want = b.out
        if size == scale:
            bare = bare_full
            res = self.best_of(["mprof"], wfile, hot, size, want, min(a.repeat, 3), a.timeout)
        else:
            res = self.best_of(["bare", "mprof"], wfile, hot, size, want,
                               min(a.repeat, 3), a.timeout)
            bare = res["bare"]["wall"]
        m = res["mprof"]
        return {"scale": size, "timeout": m["timeout"], "err": m["err"],
                "wall": m["wall"], "bare": bare, "limit": a.timeout}

    def instructions(self):
        """--instructions: per workload, the instructions of each kind at
        IR_SCALE and twice that (run --jobs at a time: a count does not
        depend on what else runs), and of `python -c pass`."""
        a = self.a
        jobs = []
        for name, wfile, hot, full, quick, unit in WORKLOADS:
            for scale in (IR_SCALE[wfile], 2 * IR_SCALE[wfile]):
                jobs += [(k, name, wfile, hot, scale) for k in IR_KINDS]
        wants = {}

        def one(job):
            kind, name, wfile, hot, scale = job
            r = self.once(kind, wfile, hot, scale, wants.get((wfile, scale)), a.timeout)
            return job, r, ir_of(r)

        # the bare runs first: their output is what the others must print
        bare = [j for j in jobs if j[0] == "bare"]
        got = {}
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
            for job, r, ir in ex.map(one, bare):
                got[job] = ir
                if ir is not None:
                    wants[(job[2], job[4])] = r.out
            for job, r, ir in ex.map(one, [j for j in jobs if j[0] != "bare"]):
                got[job] = ir
        start = {}
        for k, extra in (("bare", {}), ("memline", {"LD_PRELOAD": PRELOAD,
                                                     "MEMLINE_FUNCTIONS": "x"})):
            r = run(VALGRIND + [self.vpy, "-c", "pass"], dict(self.env, **extra), a.timeout)
            start[k] = ir_of(r) if r.rc == 0 else None
            if r.rc != 0:
                note_error(self.py, "startup " + k, r.err or "failed")
        return got, start

    def startup(self, n):
        """Best of n `python -c pass` per configuration, interleaved, in ms."""
        env = dict(self.env)
        cfg = {
            "bare": ([self.vpy, "-c", "pass"], env),
            "memline": ([self.vpy, "-c", "pass"], dict(env, LD_PRELOAD=PRELOAD, MEMLINE_FUNCTIONS="x")),
            "mprof": ([self.vpy, "-c", "import memory_profiler"], env),
            "tmalloc": ([self.vpy, "-X", "tracemalloc", "-c", "pass"], env),
        }
        if self.has_memray:
            cfg["memray"] = ([self.vpy, "-m", "memray", "run", "-q", "-o",
                              os.path.join(self.tmp, "s.bin"), "--force", "-c", "pass"], env)
        best = {k: math.inf for k in cfg}
        for i in range(n):
            for k, (cmd, e) in cfg.items():
                r = run(cmd, e, 60)
                if r.rc != 0 or r.timed_out:
                    note_error(self.py, "startup " + k, r.err or "timed out")
                    best[k] = None
                    continue
                if k == "memline" and "MEMLINE_FUNCTIONS: x matched no function" not in r.err:
                    note_error(self.py, "startup memline", "no memline notice: did it load?\n"
                               + r.err)
                if best[k] is not None:
                    best[k] = min(best[k], r.wall * 1000)
        return best


# ---- the report -------------------------------------------------------------------

def fmt_row(cells, widths):
    return "  " + "  ".join(c.rjust(w) if i else c.ljust(w)
                            for i, (c, w) in enumerate(zip(cells, widths)))


def table(py, ver, st, results, start, a):
    cols = ["bare", "memline", "unsel", "mprof", "tmalloc", "memray"]
    rows = [["workload"] + [HEAD[c] for c in cols]]
    worst = {"sel": (0, ""), "unsel": (0, "")}
    notes = []
    for (name, wfile, hot, full, quick, unit), res in results:
        scale = quick if a.quick else full
        if res is None:
            rows.append([name] + ["ERR"] * 6)
            continue
        b = res["bare"]["wall"]
        row = [name, "%.3f" % b if b < math.inf else "ERR"]
        for k in ("memline", "unsel"):
            d = res[k]
            cell = ratio_cell(None if d["err"] else d["wall"], b, d["timeout"], res["limit"])
            row.append(cell)
            if not d["err"] and not d["timeout"]:
                x = d["wall"] / b
                key = "sel" if k == "memline" else "unsel"
                if x > worst[key][0]:
                    worst[key] = (x, name)
            else:
                worst["sel" if k == "memline" else "unsel"] = (math.inf, name + " (%s)" % cell)
        m = res["mprof"]
        if m.get("err"):
            row.append("ERR")
        elif m["timeout"]:
            row.append(">%.0fx" % (m["limit"] / m["bare"]) + (" @%d" % m["scale"]
                                                             if m["scale"] != scale else ""))
        else:
            row.append("%.1fx" % (m["wall"] / m["bare"]) + (" @%d" % m["scale"]
                                                           if m["scale"] != scale else ""))
        for k in ("tmalloc", "memray"):
            if k == "memray" and not st.get("memray"):
                row.append("n/a")
                continue
            d = res[k]
            row.append(ratio_cell(None if d["err"] else d["wall"], b, d["timeout"], res["limit"]))
        rows.append(row)
        cb = res["bare"]["cpu"]
        cpu = ", ".join("%s %.2fx" % (HEAD[k], res[k]["cpu"] / cb) for k in ("memline", "unsel")
                        if res[k]["cpu"] < math.inf)
        reps = res["memline"]["reports"]
        notes.append("%s: %d %s; hot = %s; memline reports written per selected run: %s "
                     "(expected %s)%s; cpu-time ratios: %s" % (
                         name, scale, unit, hot, ",".join(str(x) for x in reps) or "none",
                         res["calls"], "; " + "; ".join(res["extra"]) if res["extra"] else "",
                         cpu))
    # start-up
    b = start["bare"]
    srow = ["start-up ms", "%.1f" % b if b else "ERR"]
    for k in ("memline", "unsel", "mprof", "tmalloc", "memray"):
        v = start.get(k)
        if k == "unsel":
            srow.append("(=memline)")
        elif k == "memray" and not st.get("memray"):
            srow.append("n/a")
        elif v is None or not b:
            srow.append("ERR")
        else:
            srow.append("%.1f (%+.1f)" % (v, v - b))
    rows.append(srow)
    # peak RSS of workload 1
    r1 = results[0][1]
    rrow = ["peak RSS MiB (1)"]
    rss = {}
    if r1 is None:
        rrow += ["ERR"] * 6
    else:
        rb = r1["bare"]["rss"]
        rrow.append("%.1f" % rb)
        for k in ("memline", "unsel", "mprof", "tmalloc", "memray"):
            if k == "mprof":
                rrow.append("-")
                continue
            if k == "memray" and not st.get("memray"):
                rrow.append("n/a")
                continue
            v = r1[k]["rss"]
            rss[k] = v - rb if v < math.inf else None
            rrow.append("%.1f (%+.1f)" % (v, v - rb) if v < math.inf else "ERR")
    rows.append(rrow)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    log("")
    log("Python %s  %s" % (ver, py))
    log("  venv %s: memory_profiler %s, memray %s, aiohttp %s" % (
        os.path.relpath(os.path.dirname(os.path.dirname(a.vpy_of[py])), ROOT),
        st.get("memory_profiler"),
        st.get("memray") or "n/a (%s)" % st.get("memray_why"),
        st.get("aiohttp") or "n/a (%s; its parts of workloads 2 and 3 skipped)"
        % st.get("aiohttp_why")))
    log(fmt_row(rows[0], widths))
    log("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
    for r in rows[1:]:
        log(fmt_row(r, widths))
    for n in notes:
        log("    " + n)
    # targets
    ok = lambda c: "PASS" if c else "MISS"
    sel, uns = worst["sel"], worst["unsel"]
    d_start = (start["memline"] - start["bare"]) if start.get("memline") and b else None
    d_rss = rss.get("memline")
    verdicts = [
        ("memline <= 1.10x, hot function selected", sel[0] <= 1.10,
         "worst %.3fx, %s" % (sel[0], sel[1])),
        ("memline <= 1.05x, unselected", uns[0] <= 1.05,
         "worst %.3fx, %s" % (uns[0], uns[1])),
        ("start-up <= +20 ms", d_start is not None and d_start <= 20,
         "%+.1f ms" % d_start if d_start is not None else "ERR"),
        ("peak RSS <= +8 MiB (workload 1, selected)", d_rss is not None and d_rss <= 8,
         "%+.1f MiB" % d_rss if d_rss is not None else "ERR"),
    ]
    for what, good, detail in verdicts:
        log("  target: %-44s %s  (%s)" % (what, ok(good), detail))
    return verdicts


def ir_table(py, ver, got, start):
    """The --instructions table of one interpreter, and its verdicts."""
    def mark(v):
        return "%.2fx" % v if v is not None else "ERR"

    rows = [["workload", "bare Ir"] + ["%s %s" % (HEAD[k], w) for k in IR_KINDS[1:]
                                       for w in ("whole", "work")]]
    worst = {"memline": (0, ""), "unsel": (0, "")}
    for name, wfile, hot, full, quick, unit in WORKLOADS:
        s1 = IR_SCALE[wfile]
        b1, b2 = got.get(("bare", name, wfile, hot, s1)), got.get(("bare", name, wfile, hot, 2 * s1))
        row = [name, "%.3f G" % (b2 / 1e9) if b2 else "ERR"]
        for k in IR_KINDS[1:]:
            k1, k2 = got.get((k, name, wfile, hot, s1)), got.get((k, name, wfile, hot, 2 * s1))
            whole = k2 / b2 if k2 and b2 else None
            work = (k2 - k1) / (b2 - b1) if k1 and k2 and b1 and b2 and b2 > b1 else None
            row += [mark(whole), mark(work)]
            if k in worst:
                x = work if work is not None else math.inf
                if x > worst[k][0]:
                    worst[k] = (x, name)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    log("")
    log("Python %s  %s  (instructions)" % (ver, py))
    log(fmt_row(rows[0], widths))
    log("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
    for r in rows[1:]:
        log(fmt_row(r, widths))
    sb, sm = start.get("bare"), start.get("memline")
    d_start = sm - sb if sb and sm else None
    log("    start-up (python -c pass): bare %s, memline %s" % (
        "%.1f M" % (sb / 1e6) if sb else "ERR",
        "%.1f M (%+.1f M, %+.0f %%)" % (sm / 1e6, d_start / 1e6, 100.0 * d_start / sb)
        if d_start is not None else "ERR"))
    log("    sizes: %s; whole = the run at twice the size / bare's; work = what doubling the "
        "size added / what it added to bare (start-up and imports left out)" % ", ".join(
            "%s %d and %d %s" % (w[0], IR_SCALE[w[1]], 2 * IR_SCALE[w[1]], w[5])
            for w in WORKLOADS))
    sel, uns = worst["memline"], worst["unsel"]
    verdicts = [
        ("memline <= 1.10x, hot function selected (work)", sel[0] <= 1.10,
         "worst %.3fx, %s" % (sel[0], sel[1])),
        ("memline <= 1.05x, unselected (work)", uns[0] <= 1.05,
         "worst %.3fx, %s" % (uns[0], uns[1])),
    ]
    for what, good, detail in verdicts:
        log("  target: %-48s %s  (%s)" % (what, "PASS" if good else "MISS", detail))
    return verdicts


def interpreters(a):
    found = []
    for v in ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13"):
        found += sorted(glob.glob("/root/.pyenv/versions/%s.*/bin/python3" % v))
    if os.path.exists("/usr/bin/python3"):
        found.append("/usr/bin/python3")
    if not a.python:
        return found
    want = [w for s in a.python for w in s.split(",") if w]
    chosen = []
    for w in want:
        if os.sep in w:
            if not os.access(w, os.X_OK):
                sys.exit("bench-lines: --python %s: not an executable" % w)
            hit = [w]
        elif w == "system":
            hit = ["/usr/bin/python3"]
        else:
            hit = [p for p in found if p.startswith("/root/.pyenv/versions/%s." % w)
                   or p.startswith("/root/.pyenv/versions/%s/" % w)]
            if not hit:
                sys.exit("bench-lines: --python %s: no such interpreter (have: %s)"
                         % (w, ", ".join(found)))
        chosen += [p for p in hit if p not in chosen]
    return chosen


def main():
    ap = argparse.ArgumentParser(prog="bench-lines")
    ap.add_argument("--python", action="append", default=[])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--mprof-budget", type=float)
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--instructions", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if a.instructions:
        if not shutil.which("valgrind"):
            sys.exit("bench-lines: --instructions needs valgrind (apt-get install -y valgrind)")
        a.timeout = max(a.timeout, 1800.0)
    if a.repeat is None:
        a.repeat = 2 if a.quick else 5
    if a.repeat < 1:
        sys.exit("bench-lines: --repeat wants a positive integer")
    if a.mprof_budget is None:
        a.mprof_budget = 3.0 if a.quick else 15.0
    if a.quick:
        a.startup_runs = min(a.startup_runs, 5)
    pys = interpreters(a)
    os.makedirs(VENVS, exist_ok=True)
    if a.instructions:
        log("memline bench-lines --instructions: %s, valgrind --tool=callgrind, %d at a "
            "time, timeout %.0f s" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                      a.jobs, a.timeout))
    else:
        log("memline bench-lines: %s, best of %d%s (memory_profiler, tracemalloc, memray: "
            "best of %d); memory_profiler budget %.0f s a run, timeout %.0f s" % (
                time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), a.repeat,
                ", --quick" if a.quick else "", min(a.repeat, 3), a.mprof_budget, a.timeout))
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                cpu = l.split(":", 1)[1].strip()
                break
    global PRELOAD
    tmp = tempfile.mkdtemp(prefix="bench-lines.")
    PRELOAD = os.path.join(tmp, "libmemline.so")
    shutil.copy2(LIB, PRELOAD)
    with open(PRELOAD, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    lib_id = (os.stat(LIB).st_mtime_ns, os.stat(LIB).st_size)
    head = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True).stdout.strip()
    log("  cpu: %s, %d cpus" % (cpu, os.cpu_count()))
    log("  lib: %s (%d bytes, built %s, sha256 %s), preloaded from a copy taken at start;"
        % (LIB, lib_id[1], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(lib_id[0] / 1e9)),
           digest))
    log("       git HEAD %s" % head)
    log("  load average at start: %s" % open("/proc/loadavg").read().split()[0])
    if a.instructions:
        log("  cells: bare = instructions of the whole process at the larger size; others: "
            "ratios to bare (see the notes); unselected = MEMLINE_FUNCTIONS=%s" % NEVER)
    else:
        log("  cells: bare = best wall seconds of the whole process; others = best wall / bare "
            "at the same size;")
        log("  '@N': memory_profiler ran at size N (bare timed again at N; both include "
            "start-up,")
        log("  so such a ratio is a lower bound); '>Nx': timed out; "
            "unselected = MEMLINE_FUNCTIONS=%s" % NEVER)
    a.vpy_of = {}
    used = set()
    all_verdicts = []
    try:
        for py in pys:
            ver = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True).stdout.strip()
            log("")
            log("== %s (%s)" % (ver, py))
            try:
                vpy, st = setup_venv(py, ver, used)
            except RuntimeError as e:
                note_error(py, "venv", str(e))
                continue
            a.vpy_of[py] = vpy
            bench = Bench(a, py, vpy, st, tmp)
            if a.instructions:
                got, start = bench.instructions()
                all_verdicts.append((ver, ir_table(py, ver, got, start)))
                continue
            results = []
            for w in WORKLOADS:
                name, wfile, hot, full, quick, unit = w
                results.append((w, bench.workload(name, wfile, hot, quick if a.quick else full,
                                                  unit)))
            log("  start-up: python -c pass, best of %d" % a.startup_runs)
            start = bench.startup(a.startup_runs)
            all_verdicts.append((ver, table(py, ver, st, results, start, a)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log("")
    log("load average at end: %s" % open("/proc/loadavg").read().split()[0])
    if (os.stat(LIB).st_mtime_ns, os.stat(LIB).st_size) != lib_id:
        log("note: %s was rebuilt while the benchmark ran; the figures are all for the copy "
            "taken at start (sha256 %s)" % (LIB, digest))
    log("summary of targets:")
    for ver, vs in all_verdicts:
        log("  %-8s %s" % (ver, "  ".join("%s %s" % ("PASS" if g else "MISS", d)
                                          for _, g, d in vs)))
    if ERRORS:
        log("")
        log("errors (%d):" % len(ERRORS))
        for py, what, detail in ERRORS:
            log("  %s: %s: %s" % (py, what, detail.strip()[-1500:]))
    else:
        log("errors: none (every run exited 0 with the bare run's output; every selected "
            "memline run wrote one report per call, every unselected one none)")
    return 1 if ERRORS else 0


if __name__ == "__main__":
    sys.exit(main())
