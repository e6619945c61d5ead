"""Objects of the program's own types where memline looks for names:
globals that are a dict subclass, and a function's __qualname__ that is a
str subclass, whose methods raise and log.  memline must not run them (a
raise went through memline into the program): its output is bare's."""
import sys

calls = []


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
print(calls)
sys.exit(0)
