# The source reader is compiled at the first report, with the builtins of
# start-up: a program that replaced compile and exec meanwhile sees no call.
import builtins
import sys

seen = []
real_compile, real_exec = builtins.compile, builtins.exec


def spy_compile(*a, **k):
    seen.append("compile")
    return real_compile(*a, **k)


def spy_exec(*a, **k):
    seen.append("exec")
    return real_exec(*a, **k)


def reader_loaded():
    own = sys.modules.get("_memline")
    return own is not None and "_block_end" in vars(own)


def work():
    big = bytearray(1_000_000)  # L:big
    return len(big)


before = reader_loaded()
builtins.compile, builtins.exec = spy_compile, spy_exec
print(work(), seen)
builtins.compile, builtins.exec = real_compile, real_exec
print(before, reader_loaded() or "_memline" not in sys.modules)
