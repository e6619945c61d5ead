"""Shared fixtures for the end-to-end tests: where the library and the C
targets are, and which CPython interpreters this machine has."""
import glob
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MEMLINE_BUILD", os.path.join(ROOT, "build"))
LIB = os.environ.get("MEMLINE_LIB", os.path.join(BUILD, "libmemline.so"))

SUMMARY_RE = re.compile(
    r"^memline: pid (\d+) peak \S+ MiB, live at exit \S+ MiB, (\d+) allocations, (\d+) frees "
    r"\(exact bytes: peak (-?\d+), heap (-?\d+), anonymous mappings (-?\d+)\)$", re.M)


def summaries(text):
    """pid -> dict(allocs, frees, peak, heap, anon) from summary lines."""
    out = {}
    for m in SUMMARY_RE.finditer(text):
        pid, allocs, frees, peak, heap, anon = (int(x) for x in m.groups())
        out[pid] = dict(allocs=allocs, frees=frees, peak=peak, heap=heap, anon=anon)
    return out


def interpreters():
    """Every CPython 3.8-3.13 from pyenv, plus Debian's static python3."""
    found = []
    for path in sorted(glob.glob("/root/.pyenv/versions/3.*/bin/python3")):
        ver = os.path.basename(os.path.dirname(os.path.dirname(path)))
        major_minor = tuple(int(x) for x in ver.split(".")[:2])
        if (3, 8) <= major_minor <= (3, 13):
            found.append(path)
    if os.path.exists("/usr/bin/python3"):
        found.append("/usr/bin/python3")
    return found


def run(cmd, preload=False, env_extra=None, **kw):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("MEMLINE_") or k == "LD_PRELOAD":
            del env[k]
    if preload:
        env["LD_PRELOAD"] = LIB
    env.update(env_extra or {})
    kw.setdefault("timeout", 300)
    return subprocess.run(cmd, env=env, capture_output=True, **kw)


@pytest.fixture(scope="session")
def lib():
    assert os.path.exists(LIB), f"build the library first: {LIB}"
    return LIB


def target(name):
    path = os.path.join(BUILD, "tests", name)
    assert os.path.exists(path), f"missing C target {path} (make test builds it)"
    return path


_venvs = {}


def venv_with(py, package, venv_id):
    """The python of a venv of `py` under build/<package>-venv/<venv_id>
    that has `package` (from PyPI, made on first use), or pytest.skip with
    pip's reason when it cannot be installed for that interpreter."""
    key = (py, package)
    if key not in _venvs:
        venv = os.path.join(BUILD, package + "-venv", venv_id)
        vpy = os.path.join(venv, "bin", "python")
        ok = os.path.exists(vpy) and subprocess.run(
            [vpy, "-c", "import " + package], capture_output=True).returncode == 0
        why = None
        if not ok:
            r = subprocess.run([py, "-m", "venv", "--clear", venv], capture_output=True, text=True)
            if r.returncode == 0:
                r = subprocess.run([vpy, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                                    package], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                why = "%s could not be installed for %s: %s" % (
                    package, py, (r.stderr or r.stdout).strip()[-500:])
        _venvs[key] = (vpy, why)
    vpy, why = _venvs[key]
    if why:
        pytest.skip(why)
    return vpy
