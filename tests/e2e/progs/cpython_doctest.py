"""Runs N examples of one doctest of CPython's own test suite
(test.<MODULE>.<NAME>) as regrtest would, from the first whose source
contains TEXT, and prints the results.
usage: cpython_doctest.py MODULE NAME TEXT N"""
import doctest
import importlib
import sys

try:
    mod = importlib.import_module("test." + sys.argv[1])
except ImportError as e:
    print("no test suite:", e)
    sys.exit(0)
test = doctest.DocTestParser().get_doctest(getattr(mod, sys.argv[2]), dict(mod.__dict__),
                                           sys.argv[2], None, 0)
first = next(i for i, ex in enumerate(test.examples) if sys.argv[3] in ex.source)
test.examples = test.examples[first:first + int(sys.argv[4])]
runner = doctest.DocTestRunner(verbose=False)
runner.run(test)
print(runner.summarize(verbose=False))
