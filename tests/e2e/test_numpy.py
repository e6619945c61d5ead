"""numpy, the native extension most users profile: the bytes its C code
allocates for an array count, exactly, on the Python line that asked for
it, on every interpreter (numpy from PyPI in a venv per interpreter under
build/numpy-venv/, made on first use; an interpreter numpy cannot be
installed for is skipped with pip's reason)."""
import pytest

from conftest import venv_with
from test_lines import PYS, P3, bare, check_rows, json_line, markers, memline, parse_reports, pyid


def numpy_python(py):
    """The python of a venv of `py` that has numpy, or pytest.skip."""
    return venv_with(py, "numpy", pyid(py))


@pytest.mark.parametrize("py", PYS, ids=[pyid(p) for p in PYS])
def test_numpy_arrays_land_on_their_lines(py):
    vpy = numpy_python(py)
    plain = bare(vpy, "numpy_lines.py")
    r = memline(vpy, "numpy_lines.py", "work", env=P3)
    assert r.returncode == 0 and r.out == plain.out, r
    (rep,) = parse_reports(r.err)
    check_rows(rep, json_line(r.out), markers("numpy_lines.py"))
    assert all(rep.occ(n) == 1 for n in rep.rows), rep
