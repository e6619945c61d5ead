"""Memory runs out around the first call of a selected function, then is
given back: memline, which could not match the function or read its
source then, asks again at the next call, and every later call reports."""
import gc
import resource


def work(n):
    x = bytearray(n)                # L:alloc
    return len(x)


def size_now():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024


resource.setrlimit(resource.RLIMIT_AS, (size_now() + (64 << 20), resource.RLIM_INFINITY))
hold = []
for size in (8 << 20, 1 << 20, 50_000, 1000, 100):
    try:
        while True:
            hold.append(bytes(size))
    except MemoryError:
        pass
try:
    work(0)
except MemoryError:
    pass
del hold
gc.collect()
resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print([work(1_000_000 * (i + 1)) for i in range(3)])
