"""The same selected function in two threads at once."""
import sys
import threading

bar = threading.Barrier(2)
out = {}


def work(tag, n1, n2):
    a = bytes(n1)                    # L:a
    bar.wait()                       # L:wait1
    b = bytearray(n2)                # L:b
    bar.wait()                       # L:wait2
    out[tag] = len(a) + len(b)


if sys.argv[1:] == ["warm"]:
    bar = threading.Barrier(1)
    work("warm", 10, 10)
    del out["warm"]
    bar = threading.Barrier(2)
t1 = threading.Thread(target=work, args=("one", 10_000_000, 3_000_000))
t2 = threading.Thread(target=work, args=("two", 20_000_000, 7_000_000))
t1.start()
t2.start()
t1.join()
t2.join()
print(sorted(out.items()))
