"""The program closes its stdout or stderr while it runs and the number is
taken by what it opens next, a daemon's socket or a data file: memline
must never write there.  A dup2/dup3 onto the number is the program's own
redirection, and the reports follow it.

    python sink_reused_fd.py MODE OUT
MODE: socket (fds 0-2 closed, then socket pairs take them), file (fd 2
closed, a data file takes it), stdout (fd 1 closed, a data file takes it),
redirect (dup2, then dup3, of a log file onto fd 2), children (a
subprocess with its output piped, which dup2's the pipes in a vfork child
sharing the parent's memory; then a forked child that dup2's OUT onto its
own fd 2), flip (another thread dup2's OUT and OUT.b onto fd 2 in turn
while reports are written: each report lands whole in one of them).
inode (a temporary file dup2'd onto fd 2 to capture C stderr, then
closed; fd 2 closed and a data file takes it -- on ext4 with the deleted
file's inode number).  What the program's own channel carried is written
to OUT."""
import os
import socket
import subprocess
import sys
import tempfile
import threading


def work(n):
    a = bytearray(n)
    return len(a)


def main(mode, out):
    if mode == "socket":
        os.closerange(0, 3)
        a, b = socket.socketpair()      # fds 0 and 1
        c, d = socket.socketpair()      # c takes fd 2
        c.sendall(b"HELLO ")
        work(100_000)
        c.sendall(b"BYE\n")
        c.close()
        got = d.recv(65536)
        with open(out, "wb") as f:
            f.write(b"fd %d: " % 2 + got)
    elif mode in ("file", "stdout"):
        fd = 2 if mode == "file" else 1
        os.close(fd)
        data = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        assert data == fd, data
        os.write(data, b"START\n")
        work(100_000)
        work(100_000)
        os.write(data, b"END\n")
        os.close(data)
    elif mode == "redirect":
        log = open(out, "w")
        os.dup2(log.fileno(), 2)
        work(100_000)
        os.close(2)
        os.dup2(log.fileno(), 2, inheritable=False)      # dup3 on Linux
        work(100_000)
    elif mode == "children":
        subprocess.run(["true"], capture_output=True, check=True)
        work(100_000)                   # to the parent's stderr
        pid = os.fork()
        if pid == 0:
            log = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(log, 2)
            work(100_000)               # to the child's, OUT
            os._exit(0)
        os.waitpid(pid, 0)
        work(100_000)                   # to the parent's stderr
    elif mode == "inode":
        if os.path.exists(out + ".data"):
            os.unlink(out + ".data")
        tmp = tempfile.TemporaryFile(dir=os.path.dirname(out))
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        os.write(2, b"captured\n")
        os.dup2(saved, 2)
        os.close(saved)
        tmp.close()
        os.close(2)
        data = os.open(out + ".data", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        assert data == 2, data
        os.write(data, b"DATA\n")
        work(100_000)
        os.close(data)
        with open(out + ".data", "rb") as f, open(out, "wb") as o:
            o.write(f.read())
    elif mode == "flip":
        a = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        b = os.open(out + ".b", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        stop = []
        flipping = threading.Event()

        def flip():
            while not stop:
                os.dup2(a, 2)
                flipping.set()
                os.dup2(b, 2)

        t = threading.Thread(target=flip)
        t.start()
        flipping.wait()     # (a first report could beat the first dup2 to fd 2)
        for _ in range(500):
            work(1000)
        stop.append(1)
        t.join()


main(sys.argv[1], sys.argv[2])
