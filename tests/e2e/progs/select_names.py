"""Code the compiler names differently from its function objects, and
names Python normalises, for selectors (test_lines.py, test_selector_*).
Run as select_names.py from its directory too (a relative co_filename on
3.8)."""
import dataclasses
import functools


def deco(fn):
    @functools.wraps(fn)  # L:wrapper
    def wrapper(*a):
        return fn(*a)
    return wrapper


@deco  # L:wrapped
def wrapped(n):
    return len(bytearray(n))


def maker():
    class Local:  # L:local
        data = bytearray(1000)

    global made

    def made():  # L:made
        return 1
    return Local


@dataclasses.dataclass
class D:
    a: int = 1


def ﬁx():  # L:fix
    return 1


def größe():  # L:grosse
    return 2


print(wrapped(10), maker().__name__, made(), D() == D(), fix(), größe())
