"""os.fork() while another thread is inside a selected function: the child
never runs it, so only the parent reports it."""
import os
import threading

started = threading.Event()
finish = threading.Event()


def work():
    a = bytearray(2_000_000)
    started.set()
    finish.wait()
    return len(a)


t = threading.Thread(target=work)
t.start()
started.wait()
pid = os.fork()
if pid == 0:
    print("child")
else:
    os.waitpid(pid, 0)
    finish.set()
    t.join()
    print("parent")
