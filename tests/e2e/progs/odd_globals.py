"""Objects of the program's own types where memline looks for names:
globals that are a dict subclass, and a function's __qualname__ that is a
str subclass, whose methods raise and log.  memline must not run them (a
raise went through memline into the program): its output is bare's.  Nor
may it import through the program's hooks (3.8-3.10 imported gc to find
the function of a renamed code)."""
import builtins
import sys

calls = []


class Finder:
    def find_spec(self, name, path=None, target=None):
        calls.append("find " + name)
        return None


def logged_import(name, *args, **kwargs):
    calls.append("import " + name)
    return plain_import(name, *args, **kwargs)


plain_import = builtins.__import__
sys.meta_path.insert(0, Finder())
builtins.__import__ = logged_import


class Globals(dict):
    def get(self, key, default=None):
        calls.append("get " + key)
        raise LookupError(key)

    def __len__(self):
        calls.append("len")
        raise LookupError("len")


class Name(str):
    def __len__(self):
        calls.append("name len")
        raise RuntimeError("len")

    def __getitem__(self, i):
        calls.append("name getitem")
        raise RuntimeError("getitem")


g = Globals(__builtins__=__builtins__, __name__="gmod")
exec("def sub(n):\n    return [0] * n\n", g)
print(len(g["sub"](10)))
ns = {}
exec("def made(n):\n    return bytearray(n)\n", ns)
made = ns["made"]
made.__qualname__ = Name("Renamed.made")
print(len(made(20)))
builtins.__import__ = plain_import
calls.extend("module " + m for m in ("gc",) if m in sys.modules)
print(calls)
sys.exit(0)
