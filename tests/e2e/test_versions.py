"""An interpreter memline does not support gets one notice (only when the
user asked for reports) and a clean pass-through."""
import glob
import os

import pytest

from conftest import run

OTHERS = sorted(p for p in glob.glob("/root/.pyenv/versions/*/bin/python")
                if not os.path.basename(os.path.dirname(os.path.dirname(p))).startswith(
                    ("3.8.", "3.9.", "3.10.", "3.11.", "3.12.", "3.13.")))
CODE = "import sys\nprint('ok', sys.version_info[0])\nsys.exit(4)\n"


def version_of(py):
    return os.path.basename(os.path.dirname(os.path.dirname(py)))


@pytest.mark.parametrize("py", OTHERS or [None], ids=[version_of(p) for p in OTHERS] or ["none"])
def test_unsupported_python_passes_through(lib, py):
    if py is None:
        pytest.skip("no interpreter outside 3.8-3.13 is installed here")
    bare = run([py, "-c", CODE])
    quiet = run([py, "-c", CODE], preload=True)
    asked = run([py, "-c", CODE], preload=True, env_extra={"MEMLINE_FUNCTIONS": "main"})
    assert bare.returncode == quiet.returncode == asked.returncode == 4
    assert bare.stdout == quiet.stdout == asked.stdout
    assert quiet.stderr == bare.stderr == b""
    assert asked.stderr.decode().splitlines() == [
        "memline: Python %s is not supported (3.8 to 3.13 are); no line reports"
        % version_of(py)]
