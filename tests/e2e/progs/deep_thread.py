"""A selected recursive function deep in a thread with a small stack, as
deep as the bare interpreter goes there: 3.8-3.10 overflowed the C stack
(SIGSEGV) with it selected -- memline's frame hook took C stack at every
recursive call."""
import threading


def g(n):
    if n == 0:
        return 0
    return g(n - 1) + 1


threading.stack_size(512 * 1024)
out = []
t = threading.Thread(target=lambda: out.append(g(950)))
t.start()
t.join()
print(out)
