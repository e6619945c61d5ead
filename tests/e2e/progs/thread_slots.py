"""Bytes left by threads that ended: 1,500 threads (more than memline's
1,024 slots) each keep a 50,000-byte block, then 1,500 more free them.
Mem usage must follow (3.8-3.10 lost each ended thread's last < 64 KiB:
the usage stayed flat, then went below zero)."""
import ctypes
import threading

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
keep = []


def grab():
    keep.append(libc.malloc(50_000))


def drop(p):
    libc.free(p)


def probe(tag):
    return tag                          # L:probe


probe(0)
for _ in range(1500):
    t = threading.Thread(target=grab)
    t.start()
    t.join()
probe(1)
for p in keep:
    t = threading.Thread(target=drop, args=(p,))
    t.start()
    t.join()
probe(2)
print(len(keep))
