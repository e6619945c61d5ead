"""A selected function and an unselected one on two threads, interleaved by
barriers so that the unselected one allocates while the selected one runs."""
import threading

b1 = threading.Barrier(2)
b2 = threading.Barrier(2)
b3 = threading.Barrier(2)
keep = []
out = {}


def work():
    a = bytes(10_000_000)            # L:a
    b1.wait()                        # L:wait1
    b2.wait()                        # L:wait2
    c = bytearray(3_000_000)         # L:c
    b3.wait()                        # L:wait3
    out["work"] = len(a) + len(c)


def noise():
    b1.wait()
    keep.append(bytes(30_000_000))
    keep.append(bytearray(20_000_000))
    b2.wait()
    for _ in range(4):
        keep.append(bytes(8_000_000))
    keep.append(bytearray(6_000_000))
    b3.wait()
    del keep[:]


t1 = threading.Thread(target=work)
t2 = threading.Thread(target=noise)
t1.start()
t2.start()
t1.join()
t2.join()
print(out)
