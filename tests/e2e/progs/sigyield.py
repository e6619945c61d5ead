"""A pending SIGINT must reach the generator that is resumed next, as
bare: a Python audit hook is installed, the selected function resumes the
generator from C right after the signal (test_generators' case)."""
import signal
import sys

try:
    import _testcapi
except ImportError:
    print("no _testcapi")
    sys.exit(0)

sys.addaudithook(lambda event, args: None)
# a shell that starts jobs in the background may hand SIGINT down ignored
signal.signal(signal.SIGINT, signal.default_int_handler)


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
