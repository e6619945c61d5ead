"""A fork while memline, in another thread, is importing what it needs to
read a selected function's source (its first report): the child must not
inherit an import lock held by a thread it does not have."""
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
while "inspect" not in sys.modules and t.is_alive():
    pass                              # fork as soon as the import is under way
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
