"""Real programs behave exactly the same under the library.

Each program runs three ways: without the library, with LD_PRELOAD and no
MEMLINE variable, and with LD_PRELOAD and MEMLINE_SUMMARY=1.  Stdout, exit
codes and the files the programs write must be byte-identical every time;
so must stderr, except that a Python process (and only a Python process)
with MEMLINE_SUMMARY=1 ends its stderr with its one summary line.
"""
import os
import random
import shutil

import pytest

from conftest import SUMMARY_RE, run, target

MODES = (
    ("bare", False, {}),
    ("preload", True, {}),
    ("summary=1", True, {"MEMLINE_SUMMARY": "1"}),
)


def outcome(r, python):
    """(exit code, stdout, stderr without the summary line, summary lines)."""
    err = r.stderr.decode(errors="replace")
    lines = SUMMARY_RE.findall(err)
    if python and lines:
        # the summary is the last thing a Python process writes
        last = err.rstrip("\n").rsplit("\n", 1)[-1]
        assert SUMMARY_RE.fullmatch(last), err
        err = err[: err.rstrip("\n").rfind("\n") + 1]
    return r.returncode, r.stdout, err, len(lines)


def same_three_ways(steps, python=False, env=None, prepare=None, artifacts=None, cwd=None):
    """Runs every command of `steps` in each mode (after `prepare()`, which
    must rebuild the same starting state at the same paths) and checks that
    each step's results, and `artifacts()` afterwards, are identical."""
    seen = {}
    for mode, preload, extra in MODES:
        if prepare:
            prepare()
        results = []
        for cmd in steps:
            r = run(cmd, preload=preload, env_extra={**(env or {}), **extra}, cwd=cwd,
                    timeout=120)
            code, out, err, nsum = outcome(r, python)
            if mode == "summary=1" and python:
                assert nsum == 1, f"{cmd}: want one summary line, stderr: {r.stderr!r}"
            else:
                assert nsum == 0, f"{cmd} ({mode}): memline wrote to stderr: {r.stderr!r}"
            results.append((cmd, code, out, err))
        seen[mode] = (results, artifacts() if artifacts else None)
    bare_results, bare_files = seen["bare"]
    for mode, (results, files) in seen.items():
        for (cmd, *want), (_, *got) in zip(bare_results, results):
            assert got[0] == want[0], f"{cmd} ({mode}): exit code {got[0]} != {want[0]}"
            assert got[1] == want[1], f"{cmd} ({mode}): stdout differs"
            assert got[2] == want[2], f"{cmd} ({mode}): stderr differs: {got[2]!r} != {want[2]!r}"
        assert files == bare_files, f"{mode}: the files written differ"
    return bare_results


def test_the_library_is_really_loaded(lib):
    # the comparisons below mean something only if the preloaded runs have it
    r = run(["bash", "-c", "grep -c libmemline.so /proc/$$/maps"], preload=True)
    assert r.returncode == 0 and int(r.stdout) >= 1
    r = run(["bash", "-c", "grep -c libmemline.so /proc/$$/maps"])
    assert r.stdout == b"0\n"


def test_bash_script(lib, tmp_path):
    script = r"""
set -u
total=0
for i in $(seq 1 300); do total=$((total + i * i)); done
echo "sum of squares $total"
( cd / && echo "subshell in $(pwd)"; exit 0 )
inner=$( (echo nested; echo more) | wc -l )
echo "nested subshell lines $inner"
printf '%s\n' delta alpha charlie bravo | sort | tr a-z A-Z | paste -sd, -
cat <<EOF | sed 's/^/| /'
here-doc line one
total is $total
EOF
f() { local x=$1; echo "f got $x" >&2; return 4; }
f 9 || echo "f returned $?"
declare -A map=([b]=2 [a]=1 [c]=3)
for k in $(printf '%s\n' "${!map[@]}" | sort); do echo "$k=${map[$k]}"; done
big=$(head -c 300000 /dev/zero | tr '\0' x)
echo "big ${#big}"
echo "to stderr" >&2
exit 7
"""
    results = same_three_ways([["bash", "-c", script]], cwd=str(tmp_path))
    _, code, out, err = results[0]
    assert code == 7
    assert b"sum of squares 9045050\n" in out and b"big 300000\n" in out
    assert b"| total is 9045050\n" in out and b"ALPHA,BRAVO,CHARLIE,DELTA\n" in out
    assert err == "f got 9\nto stderr\n"


def test_ls(lib, tmp_path):
    top = tmp_path / "listing"
    d = top / "dir"
    (d / "sub").mkdir(parents=True)
    for i, name in enumerate(["b.txt", "a.bin", "c", "Zed", ".hidden"]):
        (d / name).write_bytes(bytes(range(256)) * (i * 37 + 1))
    os.chmod(d / "c", 0o755)
    os.chmod(d / "a.bin", 0o600)
    os.symlink("b.txt", d / "link")
    stamp = 1_600_000_000
    for i, p in enumerate(sorted(d.iterdir())):
        os.utime(p, (stamp + i, stamp + i * 3600), follow_symlinks=False)
    for p in (d / "sub", d, top):
        os.utime(p, (stamp, stamp - 86400))
    env = {"TZ": "UTC", "LC_ALL": "C"}
    results = same_three_ways([["ls", "-la", str(d)],
                               ["ls", "-laR", "--time-style=full-iso", str(d)],
                               ["ls", "-la", str(d / "missing")]], env=env)
    assert b"link -> b.txt" in results[0][2]
    assert results[2][1] == 2 and "No such file" in results[2][3]


def test_sort(lib, tmp_path):
    rng = random.Random(2024)
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 12)))
             for _ in range(5000)]
    lines = [f"{rng.choice(words)} {rng.randint(-10**6, 10**6)} {rng.choice(words)}\n"
             for _ in range(200_000)]
    src = tmp_path / "input.txt"
    src.write_text("".join(lines))
    tmp = tmp_path / "sorttmp"
    tmp.mkdir()
    results = same_three_ways([
        ["sort", str(src)],
        ["sort", "-k2,2n", "-k1,1r", str(src)],
        # small buffer and two threads: temporary files and a merge
        ["sort", "-u", "--parallel=2", "-S", "1M", "-T", str(tmp), str(src)],
    ], env={"LC_ALL": "C"})
    assert results[0][2] == "".join(sorted(lines)).encode()
    assert len(results[1][2]) == src.stat().st_size


GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Ada Author", "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_AUTHOR_DATE": "2021-03-04T05:06:07+00:00",
    "GIT_COMMITTER_NAME": "Carl Committer", "GIT_COMMITTER_EMAIL": "carl@example.com",
    "GIT_COMMITTER_DATE": "2021-03-04T05:06:07+00:00",
    "TZ": "UTC", "LC_ALL": "C",
}


def test_git(lib, tmp_path):
    home = tmp_path / "home"
    repo = tmp_path / "repo"
    env = dict(GIT_ENV, HOME=str(home))

    def prepare():
        for p in (home, repo):
            shutil.rmtree(p, ignore_errors=True)
            p.mkdir()
        (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")

    def write_files(n):
        return ["bash", "-c",
                f"for i in $(seq 1 {n}); do seq 1 $((i * 500)) > file$i.txt; done; "
                f"mkdir -p docs; echo 'version {n}' > docs/README"]

    steps = [
        ["git", "init", str(repo)],
        write_files(3),
        ["git", "add", "-A"],
        ["git", "commit", "-m", "first commit"],
        write_files(5),
        ["git", "rm", "-q", "file1.txt"],
        ["git", "add", "-A"],
        ["git", "commit", "-m", "second commit\n\nwith a body"],
        ["git", "log", "--stat"],
        ["git", "cat-file", "-p", "HEAD"],
        ["git", "cat-file", "-p", "HEAD^{tree}"],
        ["git", "cat-file", "-p", "HEAD~1:file2.txt"],
        ["git", "diff", "HEAD~1", "--stat"],
        ["git", "fsck", "--full", "--strict"],
        ["git", "cat-file", "-p", "no-such-ref"],
    ]

    def objects():
        out = {}
        for dirpath, _, files in os.walk(repo / ".git" / "objects"):
            for f in files:
                p = os.path.join(dirpath, f)
                out[os.path.relpath(p, repo)] = open(p, "rb").read()
        out["HEAD"] = (repo / ".git" / "refs" / "heads" / "main").read_bytes()
        return out

    results = same_three_ways(steps, env=env, prepare=prepare, artifacts=objects, cwd=str(repo))
    log = results[8][2]
    assert log.count(b"\ncommit ") + log.startswith(b"commit ") == 2
    assert b"Author: Ada Author <ada@example.com>" in log
    assert results[-1][1] == 128


HELLO_C = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	unsigned long long h = 1469598103934665603ULL;
	for (int i = 0; i < 100000; i++) {
		char *p = malloc(16 + i % 100);
		p[0] = (char)i;
		h = (h ^ (unsigned char)p[0]) * 1099511628211ULL;
		free(p);
	}
	printf("hello from make %016llx\n", h);
	return 0;
}
"""


def test_make(lib, tmp_path):
    d = tmp_path / "proj"

    def prepare():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        (d / "hello.c").write_text(HELLO_C)
        (d / "Makefile").write_text(
            "CC = gcc\nCFLAGS = -O2 -Wall\n"
            "all: hello\n\t./hello\n"
            "hello: hello.c\n\t$(CC) $(CFLAGS) -o $@ $<\n"
            "fail:\n\t@echo about to fail; exit 3\n")

    results = same_three_ways([["make"], ["make"], ["make", "fail"]], prepare=prepare,
                              artifacts=lambda: (d / "hello").read_bytes(), cwd=str(d))
    assert b"hello from make " in results[0][2]
    assert results[2][1] == 2 and "Error 3" in results[2][3]


def test_gcc(lib, tmp_path):
    d = tmp_path / "cc"

    def prepare():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
        (d / "x.c").write_text(HELLO_C + "\nstatic int unused(void) { return 1; }\n")
        (d / "bad.c").write_text("int main(void) { return undeclared + ; }\n")

    def files():
        return {f: (d / f).read_bytes() for f in ("x.o", "x.s", "x")}

    results = same_three_ways([
        ["gcc", "-O2", "-g", "-Wall", "-c", "x.c", "-o", "x.o"],
        ["gcc", "-O2", "-S", "x.c", "-o", "x.s"],
        ["gcc", "-O2", "x.c", "-o", "x"],
        ["./x"],
        ["gcc", "-c", "bad.c", "-o", "bad.o"],
    ], prepare=prepare, artifacts=files, cwd=str(d))
    assert "defined but not used" in results[0][3]
    assert results[4][1] == 1 and "undeclared" in results[4][3]


def test_python(lib, tmp_path):
    ok = ("import json, hashlib\n"
          "d = {str(i): [i * j for j in range(i % 7)] for i in range(20000)}\n"
          "s = json.dumps(d, sort_keys=True)\n"
          "print(len(s), hashlib.sha256(s.encode()).hexdigest())\n"
          "print(sorted(set(range(50)) - {3, 4}))\n")
    bad = ("def inner(n):\n    return {}[n]\n"
           "print('before the error', flush=True)\n"
           "inner('missing')\n")
    env = {"PYTHONHASHSEED": "0"}
    results = same_three_ways([["/usr/bin/python3", "-c", ok],
                               ["/usr/bin/python3", "-c", bad]], python=True, env=env,
                              cwd=str(tmp_path))
    assert results[0][1] == 0
    assert results[1][1] == 1 and results[1][2] == b"before the error\n"
    assert results[1][3].startswith("Traceback (most recent call last):\n")
    assert results[1][3].endswith("KeyError: 'missing'\n")


def test_multithreaded_c_program(lib):
    results = same_three_ways([[target("mt"), "4", "100000"], [target("mt"), "8", "20000"]])
    for _, code, out, err in results:
        assert code == 3
        assert out.count(b"checksum") in (4, 8) and b"CORRUPT" not in out
        assert err == ""
