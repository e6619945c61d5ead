"""A stand-in for the _signal module, for the programs that test how
memline replaces and puts back the program's Python signal handlers: its
signal() raises `error` at call number `fail_at` (as signal.signal does
when a pending signal's handler raises first, or memory runs out)."""


class Stop(BaseException):
    pass


def h_int(s, f):
    pass


def h_usr1(s, f):
    pass


def h_alrm(s, f):
    pass


def h_term(s, f):
    pass


class FakeSignal:
    def __init__(self, handlers, fail_at, error):
        self.handlers = dict(handlers)
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
