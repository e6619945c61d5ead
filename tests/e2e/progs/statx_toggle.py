"""sink_work's two calls, with statx refused or let through in between by
tests/c/so/no_statx.so (a program that sandboxes itself after start-up).

    python statx_toggle.py SHIM 0|1"""
import ctypes
import sys


def work(n):
    a = bytearray(n)
    return len(a)


shim = ctypes.CDLL(sys.argv[1])
print("first", work(3_000_000))
shim.statx_refuse(int(sys.argv[2]))
print("second", work(3_000_000))
