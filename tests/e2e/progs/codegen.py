"""Code compiled as the program runs: exec() makes a new function (and a
new code object) each round, calls it once and drops it.

    python codegen.py ROUNDS

Every third function is named pick_N (select them with `pick_*`), the rest
skip_N.  Prints the sum of the results, then this process's peak RSS in
KiB (VmHWM: getrusage's ru_maxrss also counts the parent's before exec).
"""
import sys


def run(rounds):
    total = 0
    for i in range(rounds):
        name = ("pick_%d" if i % 3 == 0 else "skip_%d") % i
        ns = {}
        exec("def %s(x):\n    return x + %d\n" % (name, i), ns)
        total += ns[name](i)
        del ns
    return total


print(run(int(sys.argv[1])))
with open("/proc/self/status") as f:
    print([line.split()[1] for line in f if line.startswith("VmHWM:")][0])
