"""The program runs out of descriptors, and memline cannot open its report
file for one report: that one goes to stderr; the next, once the program
has closed its files, to the file again (all went to stderr after).

    python sink_emfile.py
"""
import os
import resource


def work(i):
    return len(bytearray(1000 + i))


resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
total = work(0)
fds = []
try:
    while True:
        fds.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
total += work(1)
for fd in fds:
    os.close(fd)
total += work(2)
print(total, len(fds) > 0)
