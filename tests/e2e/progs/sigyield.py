"""A pending SIGINT must reach the generator that is resumed next, as
bare: a Python audit hook is installed, the selected function resumes the
generator from C right after the signal (test_generators' case)."""
import sys

try:
    import _testcapi
except ImportError:
    print("no _testcapi")
    sys.exit(0)

sys.addaudithook(lambda event, args: None)


def outer():
    return (yield from inner())


def inner():
    try:
        yield
    except KeyboardInterrupt:
        return "interrupted in inner"
    return "not interrupted"


def work():
    gen = outer()
    gen.send(None)
    try:
        _testcapi.raise_SIGINT_then_send_None(gen)
    except BaseException as e:
        return "%s %s" % (type(e).__name__, e)


print(work())
