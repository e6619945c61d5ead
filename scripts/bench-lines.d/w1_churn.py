"""Workload 1, allocation churn: lists, dicts, strings, a 1 MiB bytearray
per round, and loops calling small helper functions.

    python w1_churn.py SCALE        (SCALE = total rounds; hot() runs
                                     min(4, SCALE) times, sharing them)

Prints a checksum and `calls N`, N = how many times hot() ran.
"""
import sys


def make_record(i):
    return {"id": i, "name": "item-%d" % i, "tags": [i, i + 1, i + 2]}


def shout(word):
    return word.upper() + "!"


def weight(rec):
    return rec["id"] * 3 + len(rec["tags"])


def hot(rounds):
    total = 0
    for r in range(rounds):
        scratch = bytearray(1 << 20)
        scratch[r % len(scratch)] = 1
        records = [make_record(i) for i in range(3000)]
        index = {rec["name"]: rec for rec in records}
        words = [shout(str(i) * 3) for i in range(2000)]
        text = " ".join(words)
        parts = text.split(" ")
        pairs = list(zip(parts, records))
        for rec in records[::7]:
            total += weight(rec)
        total += len(index) + len(parts) + len(pairs) + sum(scratch)
        del scratch, records, index, words, text, parts, pairs
    return total


def main(argv):
    scale = int(argv[0]) if argv else 40
    calls = min(4, scale)
    total = 0
    for c in range(calls):
        total += hot(scale // calls + (1 if c < scale % calls else 0))
    print("checksum", total)
    print("calls", calls)


if __name__ == "__main__":
    main(sys.argv[1:])
