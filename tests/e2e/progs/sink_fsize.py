"""The report file reaches RLIMIT_FSIZE: the kernel sends SIGXFSZ to the
writer.  Python ignores it, but a program may have put back the default
(the process was killed) or a handler of its own (it ran for memline's
writes): memline's writes are its own business.

    python sink_fsize.py default|handler
"""
import resource
import signal
import sys

got = []


def work(i):
    return len(bytearray(100 + i))


if sys.argv[1] == "default":
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
else:
    signal.signal(signal.SIGXFSZ, lambda signum, frame: got.append(signum))
resource.setrlimit(resource.RLIMIT_FSIZE, (1500, resource.RLIM_INFINITY))
print(sum(work(i) for i in range(5)), got)
