"""A thread warns all the time while the main thread calls a selected
function of 3,000 lines, whose source memline reads at its first call.

    python warn_thread.py DIR

Prints how many warnings the thread sent and how many were shown: all of
them must be (memline's filter for its own compile once swallowed the
thread's warnings meanwhile)."""
import os
import sys
import threading
import warnings

src = "def big(x):\n" + "".join("    y%d = [x] * %d\n" % (j, j) for j in range(3000)) + "    return 1\n"
with open(os.path.join(sys.argv[1], "bigmod.py"), "w") as f:
    f.write(src)
sys.path.insert(0, sys.argv[1])
import bigmod  # noqa: E402

shown = []
warnings.showwarning = lambda message, *a, **k: shown.append(str(message))
warnings.simplefilter("always")
stop = threading.Event()
sent = [0]


def spam():
    while not stop.is_set():
        warnings.warn("tick")
        sent[0] += 1


t = threading.Thread(target=spam)
t.start()
for i in range(20):
    bigmod.big(i)
stop.set()
t.join()
print("shown", len(shown) == sent[0], sent[0] > 0)
