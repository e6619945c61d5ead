"""numpy, the native extension most users profile: the bytes its C code
allocates for an array count, exactly, on the Python line that asked for
it, on every interpreter (numpy from PyPI in a venv per interpreter under
build/numpy-venv/, made on first use; an interpreter numpy cannot be
installed for is skipped with pip's reason)."""
import os
import subprocess

import pytest

from conftest import BUILD
from test_lines import PYS, P3, bare, check_rows, json_line, markers, memline, parse_reports, pyid

_venvs = {}


def numpy_python(py):
    """The python of a venv of `py` that has numpy, or pytest.skip."""
    if py not in _venvs:
        venv = os.path.join(BUILD, "numpy-venv", pyid(py))
        vpy = os.path.join(venv, "bin", "python")
        ok = os.path.exists(vpy) and subprocess.run(
            [vpy, "-c", "import numpy"], capture_output=True).returncode == 0
        why = None
        if not ok:
            r = subprocess.run([py, "-m", "venv", "--clear", venv], capture_output=True, text=True)
            if r.returncode == 0:
                r = subprocess.run([vpy, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                                    "numpy"], capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                why = "numpy could not be installed for %s: %s" % (py, (r.stderr or r.stdout).strip()[-500:])
        _venvs[py] = (vpy, why)
    vpy, why = _venvs[py]
    if why:
        pytest.skip(why)
    return vpy


@pytest.mark.parametrize("py", PYS, ids=[pyid(p) for p in PYS])
def test_numpy_arrays_land_on_their_lines(py):
    vpy = numpy_python(py)
    plain = bare(vpy, "numpy_lines.py")
    r = memline(vpy, "numpy_lines.py", "work", env=P3)
    assert r.returncode == 0 and r.out == plain.out, r
    (rep,) = parse_reports(r.err)
    check_rows(rep, json_line(r.out), markers("numpy_lines.py"))
    assert all(rep.occ(n) == 1 for n in rep.rows), rep
