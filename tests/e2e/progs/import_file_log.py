"""A program whose work runs at a module's top level (it only imports the
module), logging to a file: the report belongs in that file, between the
module's own records, as when the module runs as a script.

    python import_file_log.py DIR

Writes DIR/work_mod.py and DIR/app.log."""
import os
import sys

with open(os.path.join(sys.argv[1], "work_mod.py"), "w") as f:
    f.write("import logging\n"
            "import os\n"
            "import sys\n"
            "logging.basicConfig(level=logging.INFO, format='%(message)s',\n"
            "                    filename=os.path.join(sys.argv[1], 'app.log'))\n"
            "\n"
            "\n"
            "def work(n):\n"
            "    a = bytearray(n)\n"
            "    return len(a)\n"
            "\n"
            "\n"
            "logging.getLogger('app').info('before')\n"
            "work(1_000_000)\n"
            "logging.getLogger('app').info('after')\n")
sys.path.insert(0, sys.argv[1])
import work_mod  # noqa: E402,F401
