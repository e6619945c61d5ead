"""Wall-clock A/B timing harness for scripts/bench.

    python3 walltime.py --repeat N --lib LIBMEMLINE [--env K=V ...] -- CMD [ARGS...]

Runs CMD alternately bare and with LD_PRELOAD=LIBMEMLINE, N times each,
timing each whole process with time.perf_counter(), and keeps the best
(minimum) of each.  Before timing it makes one untimed run of each kind:
the preloaded one with MEMLINE_SUMMARY=1, to prove that memline really
tracked in that process (its summary line must appear on stderr), and
both to warm the page cache.  The stdout of every run must match, so a
failing or short-circuited run cannot pass for a fast one.

Also keeps the best user+sys CPU seconds of each kind (from the
children's rusage), which a busy machine disturbs less than wall time.

Prints one line:
    bare SECONDS preload SECONDS allocs N cpu_bare SECONDS cpu_preload SECONDS
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time


def base_env(extra):
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.startswith("MEMLINE_")}
    env.update(extra)
    return env


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, env):
    """(wall seconds, cpu seconds, stdout, stderr) of one run of cmd."""
    c0 = cpu_children()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    c = cpu_children() - c0
    if p.returncode != 0:
        sys.exit("walltime: %s exited %d:\n%s" % (cmd, p.returncode,
                                                  p.stderr.decode(errors="replace")))
    return t, c, p.stdout, p.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    extra = dict(kv.split("=", 1) for kv in a.env)
    bare = base_env(extra)
    pre = dict(bare, LD_PRELOAD=a.lib)

    _, _, want, _ = run(cmd, bare)
    _, _, out, err = run(cmd, dict(pre, MEMLINE_SUMMARY="1"))
    m = re.search(r"memline: pid \d+ .*?(\d+) allocations", err)
    if not m:
        sys.exit("walltime: memline printed no summary; it did not track in %s\n%s"
                 % (cmd[0], err))
    if out != want:
        sys.exit("walltime: output differs when preloaded")

    best = {"bare": float("inf"), "preload": float("inf")}
    cpu = dict(best)
    for i in range(a.repeat):
        # alternate the order so slow drift hits both sides alike
        order = (("bare", bare), ("preload", pre))
        for name, env in (order if i % 2 == 0 else order[::-1]):
            t, c, out, _ = run(cmd, env)
            if out != want:
                sys.exit("walltime: output of a %s run differs" % name)
            best[name] = min(best[name], t)
            cpu[name] = min(cpu[name], c)
    print("bare %.4f preload %.4f allocs %s cpu_bare %.4f cpu_preload %.4f"
          % (best["bare"], best["preload"], m.group(1), cpu["bare"], cpu["preload"]))


if __name__ == "__main__":
    main()
