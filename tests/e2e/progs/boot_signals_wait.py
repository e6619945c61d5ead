"""memline's Python alone (attribution/boot.py, run here without the
library) with a stand-in for _signal: when replacing the program's
handlers fails part way (out of memory, or a signal handler's exception at
a check in the loop), signals_wait leaves every handler it may have
replaced in _waiting_now, for memline's C to put back (signals_put_back;
see signal_put_back.py for that part).

    python boot_signals_wait.py BOOT_PY
"""
import sys


class Stop(BaseException):
    pass


def h_int(s, f):
    pass


def h_usr1(s, f):
    pass


def h_alrm(s, f):
    pass


class FakeSignal:
    def __init__(self, fail_at, error):
        self.handlers = {2: h_int, 10: h_usr1, 14: h_alrm, 15: 0, 17: 1}
        self.fail_at, self.error, self.calls = fail_at, error, 0

    def getsignal(self, n):
        if n == 9:
            raise ValueError("not this one")
        return self.handlers.get(n, 0)

    def signal(self, n, h):
        self.calls += 1
        if self.calls == self.fail_at:
            raise self.error
        old = self.handlers.get(n, 0)
        self.handlers[n] = h
        return old

    def raise_signal(self, n):
        self.handlers[n](n, None)


ns = {"__name__": "_memline"}
with open(sys.argv[1]) as f:
    exec(compile(f.read(), "boot.py", "exec"), ns)
original = {2: h_int, 10: h_usr1, 14: h_alrm, 15: 0, 17: 1}
for fail_at, error in ((0, None), (1, MemoryError()), (2, MemoryError()), (3, Stop())):
    fake = FakeSignal(fail_at, error)
    sys.modules["_signal"] = fake
    try:
        waiting = ns["signals_wait"]()
    except BaseException as e:
        print(fail_at, type(e).__name__, "to put back:",
              [(n, h is original[n]) for n, h in ns["_waiting_now"]])
        continue
    replaced = sorted(n for n, h in fake.handlers.items() if h is ns["_note_signal"])
    print(fail_at, "waiting", sorted(n for n, h in waiting), "replaced", replaced)
