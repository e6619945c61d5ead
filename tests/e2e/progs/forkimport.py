"""A fork while memline, in another thread, reads a selected function's
source for its first report (it once imported inspect there): the child
must not inherit a lock held by a thread it does not have."""
import os
import sys
import threading


def work():
    a = bytearray(1_000_000)
    return len(a)


def child_work():
    b = bytearray(2_000_000)
    return len(b)


t = threading.Thread(target=work)
t.start()
# fork at once, while the thread runs work() and reports it
pid = os.fork()
if pid == 0:
    import signal
    signal.alarm(30)                  # a child that hangs ends, and says so
    print("child", child_work())
    sys.stdout.flush()
    os._exit(0)
_, status = os.waitpid(pid, 0)
t.join()
print("parent", status)
