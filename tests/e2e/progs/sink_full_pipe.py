"""stderr is a pipe that nobody reads, full before the first report; a
thread's selected function returns, then the main thread's.  memline
writes its reports holding the GIL: a blocking write there stopped every
thread (and the program's signal handlers) for good."""
import os
import sys
import threading


def work(n):
    x = bytearray(n)
    return len(x)


r, w = os.pipe()
os.dup2(w, 2)
os.set_blocking(2, False)
try:
    while True:
        os.write(2, b"x" * 4096)
except BlockingIOError:
    pass
os.set_blocking(2, True)
t = threading.Thread(target=work, args=(1000,), daemon=True)
t.start()
t.join(60)
print("thread done", not t.is_alive(), flush=True)
print("main", work(2000), flush=True)
sys.stdout.flush()
