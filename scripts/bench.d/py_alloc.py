"""Allocation-heavy pure-Python workload for scripts/bench.

    python3 py_alloc.py [ROUNDS]

Meant to run with PYTHONMALLOC=malloc so that every object allocation
goes through malloc/free (and so through memline when preloaded).  It
mixes small lists, dicts, str formatting and joining, bytearrays that
grow, tuples, sorting, and a live working set that is turned over, all
driven through small helper functions.  The work is deterministic (a
fixed-seed LCG, no random module) and identical on every interpreter.
Prints a checksum so the work cannot be skipped.
"""
import sys


def lcg(state):
    return (state * 1103515245 + 12345) & 0x7FFFFFFF


def make_record(i, state):
    name = "item-%d-%x" % (i, state & 0xFFFF)
    return {
        "id": i,
        "name": name,
        "tags": [name[:4], str(i % 7), str(i % 11)],
        "blob": bytearray(state % 200 + 1),
        "pos": (i, state & 0xFF),
    }


def summarize(records):
    by_tag = {}
    for r in records:
        for t in r["tags"]:
            by_tag.setdefault(t, []).append(r["id"])
    return sum(len(v) for v in by_tag.values())


def render(records):
    parts = []
    for r in records:
        parts.append("%s:%d:%s" % (r["name"], len(r["blob"]), ",".join(r["tags"])))
    return "|".join(parts)


def grow_buffer(n, state):
    buf = bytearray()
    for k in range(n):
        buf += b"x" * ((state + k) % 64 + 1)
    return len(bytes(buf))


def run(rounds):
    state = 42
    live = [None] * 2048          # a working set that is turned over
    check = 0
    for rnd in range(rounds):
        batch = []
        for i in range(200):
            state = lcg(state)
            rec = make_record(rnd * 200 + i, state)
            batch.append(rec)
            live[state & 2047] = rec
        check += summarize(batch)
        check += len(render(batch)) & 0xFFFF
        check += grow_buffer(50, state)
        words = [r["name"] for r in batch]
        words.sort(key=lambda w: w[::-1])
        check += len({w: len(w) for w in words})
        check += len(list(zip(words, words[1:])))
        del batch, words
    return check + sum(1 for r in live if r is not None)


if __name__ == "__main__":
    print("checksum", run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
