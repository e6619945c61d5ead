"""Code whose file name is no regular file: memline must not read it.

    odd_sources.py NAME    (/dev/zero, /dev/stdin, a FIFO's path)
"""
import sys

ns = {"KEEP": []}
exec(compile("def f(n):\n    KEEP.append(bytearray(n))\n    return len(KEEP[-1])\n",
             sys.argv[1], "exec"), ns)
print("f returned", ns["f"](1_000_000))
print("stdin still has:", sys.stdin.read().strip())
