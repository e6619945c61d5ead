"""Rewrites data/host_console.txt: the host console of one run of
functions_app/host.py under the current build of memline
(MEMLINE_OUTPUT=logging), with Debian's /usr/bin/python3 unless a python is
named. Then prints the tables docs/kusto.md shows for those lines (the doc's
query, and the guide's query on the first report and on 3-digit rows), to
paste into the doc; tests/e2e/test_kusto.py checks that the doc has them.

    python3 tests/e2e/data/make_host_console.py [python]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import test_kusto  # noqa: E402


def main():
    py = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/python3"
    text = test_kusto.generate_console(py)
    test_kusto.traces_from_console(text)            # the lines are well-formed
    with open(test_kusto.STORED, "w") as f:
        f.write(text)
    for name, table in test_kusto.doc_tables(text).items():
        print("<!-- %s -->\n%s" % (name, table))


if __name__ == "__main__":
    main()
