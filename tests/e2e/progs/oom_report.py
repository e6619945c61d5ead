"""A selected function fills the address space the process may have
(RLIMIT_AS), catches its MemoryErrors and returns: memline may have no
memory left to write its report -- then it says so (once), where it said
nothing.

    python oom_report.py
"""
import resource


def vm_size():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024


def fill():
    hog = []
    for size in (1 << 20, 4096, 64):
        try:
            while True:
                hog.append(bytearray(size))
        except MemoryError:
            pass
    return len(hog) > 0


def small():
    return 1


resource.setrlimit(resource.RLIMIT_AS, (vm_size() + (200 << 20), resource.RLIM_INFINITY))
print([fill(), fill(), small()])
