"""MEMLINE_SUMMARY keeps a copy of stderr (at fd 100 or above) for a
program that closes fd 2 before it exits.  A daemon's closerange frees that
number, and the files it opens next take it: the summary and the notices
at exit went into the program's file there.

    python summary_fd_reuse.py DIR [close2]
"""
import os
import sys


def work():
    x = bytearray(1_000_000)
    return len(x)


os.closerange(3, 4096)
fds = [os.open(os.path.join(sys.argv[1], "data_%d" % i),
               os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for i in range(120)]
n = work()
for fd in fds:
    os.write(fd, b"data\n")
print(n, flush=True)
if sys.argv[2:] == ["close2"]:
    os.close(2)
