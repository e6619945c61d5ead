"""A module whose source changes on disk and is reloaded: the class body
it gains must be selected by its qualified name on every version (3.8-3.10
name code from its source, which memline must then read again).

    python select_reload.py DIR"""
import importlib
import os
import sys

d = sys.argv[1]
sys.path.insert(0, d)
sys.dont_write_bytecode = True
path = os.path.join(d, "reloaded.py")
with open(path, "w") as f:
    f.write("class K:\n    def meth(self):\n        return 1\n")
import reloaded  # noqa: E402

reloaded.K().meth()
with open(path, "w") as f:
    f.write("\n# moved\nclass K:\n    def meth(self):\n        return [2]\n"
            "    class In:\n        x = bytearray(100_000)\n")
importlib.reload(reloaded)
print(reloaded.K().meth(), len(reloaded.K.In.x))
