"""Where a report's rows and Line Contents come from -- the function's
source -- in the corners a helper found, on every interpreter: a coding
cookie past the first 16 KiB, a form feed before a def, a lambda on a
decorator's line, a function whose source is gone, a notebook-like cell
that linecache holds without line ends.  Each program is written to a
temporary directory; the expected rows are what inspect gives bare."""
import os
import subprocess
import threading

import pytest

from test_lines import P3, PROGS, Result, near, notices, parse_reports, per_interpreter, run, minor


def profile(py, script, functions, cwd=None):
    return Result(run([py, str(script)], preload=True, cwd=cwd,
                      env_extra={"MEMLINE_FUNCTIONS": functions, **P3}))


def contents(rep):
    return [rep.rows[n][3] for n in sorted(rep.rows)]


@per_interpreter
def test_coding_cookie_after_a_first_line_longer_than_16_kib(py, tmp_path):
    # the cookie was looked for in the first 16 KiB only: the latin-1 text
    # read as UTF-8 showed replacement characters
    script = tmp_path / "cookie.py"
    script.write_bytes(b"#" + b"x" * 20_000 + b"\n# coding: latin-1\n"
                       b"def f():\n    s = '\xe9\xe8'\n    return s\n\n\nprint(f() == '\\xe9\\xe8')\n")
    r = profile(py, script, "f")
    if minor(py) <= 9:       # 3.8 and 3.9 refuse such a file themselves
        assert r.returncode == 1 and "SyntaxError" in r.err, r
        return
    assert r.returncode == 0 and r.out == "True\n", r
    (rep,) = parse_reports(r.err)
    assert contents(rep) == ["def f():", "    s = '\u00e9\u00e8'", "    return s"], rep


@per_interpreter
def test_form_feed_before_a_def_at_column_0(py, tmp_path):
    # the form feed was counted as indentation: the block's parse failed,
    # and its last line (a closing bracket) was left out
    script = tmp_path / "ff.py"
    script.write_text("\x0cdef f():\n    return bytearray(\n        10_000_000,\n    )\n\n\n"
                      "print(len(f()))\n")
    r = profile(py, script, "f")
    assert r.returncode == 0 and r.out == "10000000\n", r
    (rep,) = parse_reports(r.err)
    assert sorted(rep.rows) == [1, 2, 3, 4], rep
    assert near(sum(rep.inc(n) or 0 for n in rep.rows), 10_000_000), rep


@per_interpreter
def test_lambda_on_a_decorators_line_is_its_own_line(py, tmp_path):
    # a lambda (or comprehension) on a decorator's or a def's line got the
    # rows of the whole def
    script = tmp_path / "lam.py"
    script.write_text("def deco(key):\n"
                      "    key()\n"
                      "    return lambda f: f\n"
                      "\n"
                      "\n"
                      "@deco(key=lambda: len(bytearray(10_000_000)))\n"
                      "def target():\n"
                      "    x = 1\n"
                      "    return x\n"
                      "\n"
                      "\n"
                      "print(target())\n")
    r = profile(py, script, "lam.py:<lambda>")
    assert r.returncode == 0 and r.out == "1\n", r
    reps = parse_reports(r.err)
    assert [sorted(rep.rows) for rep in reps] == [[6], [3]], r.err
    assert reps[0].occ(6) == 1


@per_interpreter
def test_dotted_selector_of_a_function_whose_source_is_gone(py, tmp_path):
    # 3.8-3.10 find a method's qualified name by compiling its source
    # again: with only the .pyc left, C.m matched nothing
    (tmp_path / "gone.py").write_text("class C:\n    def m(self):\n"
                                      "        self.b = bytearray(1_000_000)\n"
                                      "        return len(self.b)\n")
    subprocess.run([py, "-m", "compileall", "-b", "-q", str(tmp_path / "gone.py")], check=True)
    (tmp_path / "gone.py").unlink()
    main = tmp_path / "main.py"
    main.write_text("import gone\nprint(gone.C().m())\n")
    r = profile(py, main, "C.m", cwd=str(tmp_path))
    assert r.returncode == 0 and r.out == "1000000\n", r
    assert notices(r.err) == [], r.err
    (rep,) = parse_reports(r.err)
    assert rep.filename.endswith("gone.py") and sorted(rep.rows) == [2, 3, 4], rep
    assert near(rep.inc(3), 1_000_000), rep


@per_interpreter
def test_linecache_lines_without_their_ends(py, tmp_path):
    # a notebook-like cell held by linecache as lines without '\n' showed
    # as one line
    script = tmp_path / "cell.py"
    script.write_text("import linecache\n"
                      "lines = ['def cell():', '    a = bytearray(1_000_000)', '    return len(a)']\n"
                      "linecache.cache['<cell-1>'] = (0, None, lines, '<cell-1>')\n"
                      "exec(compile('\\n'.join(lines) + '\\n', '<cell-1>', 'exec'))\n"
                      "print(cell())\n")
    r = profile(py, script, "cell")
    assert r.returncode == 0 and r.out == "1000000\n", r
    (rep,) = parse_reports(r.err)
    assert contents(rep) == ["def cell():", "    a = bytearray(1_000_000)",
                             "    return len(a)"], rep


@per_interpreter
@pytest.mark.parametrize("selector", ["*/prög.py:work", "prög.py:work", "./prög.py:work"])
def test_path_selector_under_a_locale_that_is_not_utf8(py, tmp_path, selector):
    # PYTHONUTF8=0 under the C locale: Python decodes file names as ASCII,
    # non-ASCII bytes as surrogate escapes; the selector's path was read as
    # UTF-8 and matched no such file.  The Filename line: the bytes on disk
    script = tmp_path / "prög.py"
    script.write_text("def work():\n    x = bytearray(100_000)\n    return len(x)\n\n\n"
                      "print(work())\n")
    env = {"MEMLINE_FUNCTIONS": selector, "PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C",
           "PYTHONCOERCECLOCALE": "0", **P3}
    r = Result(run([py, "prög.py"], preload=True, cwd=str(tmp_path), env_extra=env))
    assert r.returncode == 0 and r.out == "100000\n", r
    assert notices(r.err) == [], r.err
    (rep,) = parse_reports(r.err)
    assert rep.filename in (str(script), "prög.py"), rep.filename
    assert near(rep.inc(2), 100_000, 3), rep


@per_interpreter
def test_comment_after_the_block_with_a_form_feed_in_its_indentation(py, tmp_path):
    # getblock measures a trailing comment by its raw column, where the
    # form feed counts; memline restarted the count at the form feed and
    # left these comments out
    script = tmp_path / "ffc.py"
    script.write_text("def f(n):\n"
                      "    x = [0] * n\n"
                      "    return len(x)\n"
                      "  \x0c  # two spaces, a form feed, two spaces\n"
                      "\n"
                      "\n"
                      "def g():\n"
                      "\x0c    y = bytearray(1000)\n"
                      "\x0c    return y\n"
                      "\x0c    # as indented as the body\n"
                      "\n"
                      "\n"
                      "print(f(10), len(g()))\n")
    r = profile(py, script, "f,g")
    assert r.returncode == 0 and r.out == "10 1000\n", r
    reps = parse_reports(r.err)
    assert [sorted(rep.rows) for rep in reps] == [[1, 2, 3, 4], [7, 8, 9, 10]], r.err
    assert contents(reps[0])[3] == "  \x0c  # two spaces, a form feed, two spaces", r.err
    assert reps[0].occ(4) is None and reps[1].occ(10) is None, r.err


@per_interpreter
def test_a_threads_warnings_go_on_while_memline_compiles_a_source(py, tmp_path):
    # memline put an "ignore every warning" filter first while it compiled
    # a selected function's block: warnings another thread made meanwhile
    # were dropped (or, under -W error, not raised)
    r = Result(run([py, os.path.join(PROGS, "warn_thread.py"), str(tmp_path)], preload=True,
                   env_extra={"MEMLINE_FUNCTIONS": "bigmod:big", **P3}))
    assert r.returncode == 0 and r.out == "shown True True\n", r
    assert len(parse_reports(r.err)) == 20, r.err[-2000:]


@per_interpreter
def test_a_script_read_from_a_fifo(py, tmp_path):
    # python FIFO: the script's module loader was asked for the source when
    # the FIFO itself was not read, and opened it again -- no writer left,
    # it waited for ever
    fifo = tmp_path / "script"
    os.mkfifo(fifo)
    src = "def f():\n    b = bytearray(10_000_000)\n    return len(b)\n\n\nprint(f())\n"

    def feed():
        with open(fifo, "w") as w:
            w.write(src)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        r = Result(run([py, str(fifo)], preload=True, timeout=60,
                       env_extra={"MEMLINE_FUNCTIONS": "f", **P3}))
    finally:
        if writer.is_alive():       # python never opened it: let the writer go
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join()
    assert r.returncode == 0 and r.out == "10000000\n", r
    (rep,) = parse_reports(r.err)
    assert sorted(rep.rows) == [1, 2, 3] and contents(rep) == ["", "", ""], rep
    assert near(rep.inc(2), 10_000_000), rep


def test_memlines_python_binds_each_top_level_name_once():
    # reader.py runs in boot.py's namespace: a name bound twice in the two
    # replaces the first (a function named as boot.py's import lock made
    # every fork print a traceback and the logging sink fail to import
    # logging).  source is the one rebound on purpose (reader.py, last).
    import ast
    from collections import defaultdict
    from conftest import ROOT

    where = defaultdict(list)
    for name in ("boot.py", "reader.py"):
        path = os.path.join(ROOT, "attribution", name)
        with open(path) as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                bound = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                bound = [(a.asname or a.name).split(".")[0] for a in node.names]
            else:
                bound = []
            for b in bound:
                where[b].append("%s:%d" % (name, node.lineno))
    twice = {k: v for k, v in where.items() if len(v) > 1}
    assert list(twice) == ["source"], twice
