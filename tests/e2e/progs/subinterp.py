"""A selected function runs code in a subinterpreter: that code's own
function (work) is never selected, its bytes count on the calling line."""
import sys

try:
    import _interpreters as interpreters            # 3.13
except ImportError:
    try:
        import _xxsubinterpreters as interpreters   # 3.8-3.12
    except ImportError:
        interpreters = None

CODE = """
def work():
    a = bytearray(2_000_000)
    return len(a)
keep = bytearray(3_000_000)
print(work())
"""


def outer():
    i = interpreters.create()                       # L:create
    interpreters.run_string(i, CODE)                # L:run
    interpreters.destroy(i)                         # L:destroy
    return 1


if interpreters is None:
    print("no subinterpreters module in", sys.version)
else:
    print(outer())
